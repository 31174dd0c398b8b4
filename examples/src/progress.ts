/** A one-line progress bar on a terminal; a few plain lines elsewhere (CI logs). */
export function progressBar(label: string) {
  const tty = Boolean(process.stdout.isTTY);
  const started = Date.now();
  let lastQuarter = -1;
  const mib = (n: number) => (n / 1048576).toFixed(1);
  return {
    update({ bytes, total }: { bytes: number; total: number | undefined }) {
      const fraction = total ? bytes / total : 0;
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      const rate = `${mib(bytes / seconds)} MiB/s`;
      if (tty) {
        const width = 30;
        const filled = Math.round(fraction * width);
        process.stdout.write(
          `\r  ${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${mib(bytes)}/${total ? mib(total) : "?"} MiB ${rate}   `,
        );
        return;
      }
      const quarter = Math.floor(fraction * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        console.log(
          `  ${label} ${(quarter * 25).toString().padStart(3)}% ${mib(bytes)}/${total ? mib(total) : "?"} MiB ${rate}`,
        );
      }
    },
    done() {
      if (tty) process.stdout.write("\n");
    },
  };
}
