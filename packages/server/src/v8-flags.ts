/**
 * Whether a command line already names a V8 flag: V8 takes `-` and `_` alike in a flag's name
 * (`--max-semi-space-size` is `--max_semi_space_size`), with or without `=value`. Read by the
 * start-up restart (cli/v8-start-flags.ts) and the heap's quiet mode (quiet-heap.ts): a flag the
 * operator gave, in either spelling, is theirs.
 */
export function givesV8Flag(args: readonly string[], name: string): boolean {
  const wanted = `--${name.replace(/_/g, "-")}`;
  return args.some((arg) => {
    const flag = arg.split("=", 1)[0]!;
    return flag.startsWith("--") && flag.replace(/_/g, "-") === wanted;
  });
}
