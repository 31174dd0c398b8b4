/**
 * A headless Chromium from npm (@sparticuz/chromium ships the build; puppeteer-core drives it), so
 * that `npm ci` is all a fresh machine needs. The package's default flags are kept except those
 * that would switch off what the browser test is about: CORS and cookie rules.
 * @module
 */
import chromium from "@sparticuz/chromium";
import puppeteer, { type Browser } from "puppeteer-core";

/** Flags in @sparticuz/chromium's defaults that weaken the web's security model: never used here. */
const WEAKENING = [
  "--disable-web-security", // would turn off CORS
  "--allow-running-insecure-content",
  "--disable-site-isolation-trials",
  "--headless", // set through puppeteer's own option instead
];

/** The flags the browser starts with. */
export function chromiumArgs(): string[] {
  return chromium.args.filter((arg) => !WEAKENING.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
}

/** Starts headless Chromium (unpacked into the temp directory on first use). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await chromium.executablePath();
  return puppeteer.launch({ executablePath, args: chromiumArgs(), headless: "shell" });
}
