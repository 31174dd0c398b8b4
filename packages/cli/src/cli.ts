#!/usr/bin/env node
import { CommanderError } from "commander";
import { exitCodeFor, reportError } from "./exit-codes.js";
import { PORTALS } from "./portals.js";
import { programFor } from "./program.js";

// Errors are reported in the format the user asked for, whichever command failed.
const argv = process.argv.slice(2);
const json = argv.some((arg, i) => arg === "--output=json" || (arg === "--output" && argv[i + 1] === "json"));
const verbose = argv.includes("--verbose");
const portal = PORTALS.find((p) => p.name === argv[0])?.name;

programFor(argv)
  .then((program) => program.parseAsync(process.argv))
  .catch((error: unknown) => {
    // Commander has already written its own usage errors (and help) to the terminal.
    process.exitCode =
      error instanceof CommanderError ? exitCodeFor(error) : reportError(error, { json, verbose, portal });
  });
