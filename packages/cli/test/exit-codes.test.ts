import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  MissingCredentialsError,
  NotFoundError,
  TransferError,
} from "@sciportals/core";
import { describe, expect, it } from "vitest";
import { EXIT, UsageError, exitCodeFor } from "../src/exit-codes.js";

describe("exitCodeFor (flowbio's contract)", () => {
  it("maps each kind of failure to its code", () => {
    expect(exitCodeFor(new AuthenticationError("no", { status: 401 }))).toBe(EXIT.auth);
    expect(exitCodeFor(new MissingCredentialsError("set STOMICS_API_KEY"))).toBe(EXIT.auth);
    expect(exitCodeFor(new NotFoundError("gone", { status: 404 }))).toBe(EXIT.notFound);
    expect(exitCodeFor(new BadRequestError("bad", { status: 400 }))).toBe(EXIT.badRequest);
    expect(exitCodeFor(new UsageError("--x"))).toBe(EXIT.usage);
    expect(exitCodeFor(new ConnectionError("reset"))).toBe(EXIT.runtime);
  });

  it("reads a failed transfer by the refusal that ended it", () => {
    const refused = new BadRequestError("filename: spaces are not allowed", { status: 400 });
    expect(exitCodeFor(new TransferError("upload failed at chunk 3", { cause: refused }))).toBe(
      EXIT.badRequest,
    );
    const cut = new ConnectionError("socket hang up");
    expect(exitCodeFor(new TransferError("download failed", { cause: cut }))).toBe(EXIT.runtime);
    expect(exitCodeFor(new TransferError("checksum mismatch"))).toBe(EXIT.runtime);
  });
});
