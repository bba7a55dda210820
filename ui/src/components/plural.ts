/** "1 target", "19 targets", "0 errors": the admin reads words, not "target(s)". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
