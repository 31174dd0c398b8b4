import { Command, Option } from "commander";

/** One command of the tree, flattened for a completion script: its path, subcommands and flags. */
interface Node {
  path: string[];
  subcommands: string[];
  flags: { name: string; choices?: readonly string[] | undefined; takesValue: boolean }[];
}

function flatten(command: Command, path: string[] = [], out: Node[] = []): Node[] {
  out.push({
    path,
    subcommands: command.commands.map((c) => c.name()),
    flags: command.options.map((o: Option) => ({
      name: o.long ?? o.short ?? "",
      choices: o.argChoices,
      takesValue: o.required || o.optional,
    })),
  });
  for (const sub of command.commands) flatten(sub, [...path, sub.name()], out);
  return out;
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

/** Bash (and zsh through bashcompinit): a case over the command path, words from the tree. */
function bash(nodes: Node[]): string {
  const cases = nodes
    .map((node) => {
      const words = [...node.subcommands, ...node.flags.map((f) => f.name)].join(" ");
      const choices = node.flags
        .filter((f) => f.choices)
        .map(
          (f) =>
            `      ${f.name}) COMPREPLY=($(compgen -W ${quote(f.choices!.join(" "))} -- "$cur")); return;;`,
        )
        .join("\n");
      return `    ${quote(node.path.join(" "))})
      case "$prev" in
${choices}
      esac
      COMPREPLY=($(compgen -W ${quote(words)} -- "$cur"));;`;
    })
    .join("\n");
  return `# sciportals completion for bash: eval "$(sciportals completion bash)"
_sciportals() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" word i
  # The command path: the words before the cursor that are not flags.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && break
    path="\${path:+$path }$word"
  done
  case "$path" in
${cases}
  esac
}
complete -F _sciportals sciportals
`;
}

/** Zsh: the bash function through bashcompinit, the way many CLIs ship one script for both. */
function zsh(nodes: Node[]): string {
  return `#compdef sciportals
# sciportals completion for zsh: eval "$(sciportals completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bash(nodes).split("\n").slice(1).join("\n")}`;
}

/** Fish: one `complete` line per subcommand and flag, conditioned on the command path. */
function fish(nodes: Node[]): string {
  const lines = ["# sciportals completion for fish: sciportals completion fish | source"];
  lines.push(
    "function __sciportals_path",
    "  set -l words (commandline -opc)",
    "  set -l path",
    "  for w in $words[2..-1]",
    "    string match -q -- '-*' $w; and break",
    "    set path $path $w",
    "  end",
    '  echo (string join " " $path)',
    "end",
  );
  for (const node of nodes) {
    const condition = `-n ${quote(`test "(__sciportals_path)" = ${quote(node.path.join(" "))}`)}`;
    for (const sub of node.subcommands) lines.push(`complete -c sciportals -f ${condition} -a ${quote(sub)}`);
    for (const flag of node.flags) {
      if (!flag.name.startsWith("--")) continue;
      const values = flag.choices ? ` -x -a ${quote(flag.choices.join(" "))}` : flag.takesValue ? " -r" : "";
      lines.push(`complete -c sciportals ${condition} -l ${flag.name.slice(2)}${values}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** `sciportals completion bash|zsh|fish`: a script generated from the same command tree as the help. */
export function completionCommand(program: Command): Command {
  return new Command("completion")
    .description('Print a shell completion script: eval "$(sciportals completion bash)"')
    .argument("<shell>", "bash, zsh or fish")
    .action((shell: string) => {
      const nodes = flatten(program);
      const scripts: Record<string, (nodes: Node[]) => string> = { bash, zsh, fish };
      const script = scripts[shell];
      if (!script) program.error(`completion: unknown shell ${shell} (bash, zsh or fish)`, { exitCode: 2 });
      process.stdout.write(script!(nodes));
    });
}
