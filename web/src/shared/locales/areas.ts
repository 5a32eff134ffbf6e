// Each app keeps its texts in one module per area; this joins them under their area names.
type Halves = { zh: object; en: object };

/** An app's texts from one module per area: `{ area: module[lang] }` for each area. */
export function pickAreas<A extends Record<string, Halves>, L extends "zh" | "en">(areas: A, lang: L) {
  return Object.fromEntries(Object.entries(areas).map(([area, texts]) => [area, texts[lang]])) as {
    [K in keyof A]: A[K][L];
  };
}
