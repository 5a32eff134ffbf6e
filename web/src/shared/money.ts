// Money is integer fen everywhere but on screen (yuan with two decimals).

export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return "";
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100).toLocaleString("zh-CN")}.${String(abs % 100).padStart(2, "0")}`;
}

/** "12.3" → 1230; null for anything that is not an amount with at most two decimals. */
export function toFen(text: string): number | null {
  const m = /^\s*(-?)(\d{1,11})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -fen : fen;
}

/** Yuan as digits alone, for words read aloud ("12.50", no sign of currency, no separators). */
export function yuanDigits(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(Math.trunc(fen));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
