import { createInterface } from "node:readline";
import { UsageError } from "./exit-codes.js";

let pipedLines: AsyncIterator<string> | undefined;

/** The next line of a piped stdin (`echo "$TOKEN" | sciportals stomics login`). */
async function nextPipedLine(what: string): Promise<string> {
  pipedLines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  const next = await pipedLines.next();
  if (next.done) throw new UsageError(`no ${what} on stdin`);
  return next.value.trim();
}

/** Asks for a value on the terminal (the prompt on stderr, so stdout stays data); from a pipe, reads a line. */
export async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) return nextPipedLine(question.replace(/:\s*$/, ""));
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await new Promise<string>((resolve) => rl.question(question, resolve))).trim();
  } finally {
    rl.close();
  }
}

/**
 * Asks for a secret without echoing it: the terminal in raw mode, characters read one by one
 * (backspace and Ctrl-C handled). From a pipe, reads a line, which is never echoed either.
 */
export async function askSecret(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return nextPipedLine(question.replace(/:\s*$/, ""));
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = "";
      const onData = (chunk: string) => {
        for (const char of chunk) {
          if (char === "\r" || char === "\n" || char === "\u0004") {
            stdin.off("data", onData);
            return resolve(value.trim());
          }
          if (char === "\u0003") {
            stdin.off("data", onData);
            return reject(new UsageError("cancelled"));
          }
          if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
          else value += char;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write("\n");
  }
}
