// What the library's admin pages share (D1 D2): the modules a reader's page can show, reading
// time as people read it, and the preview through a share link.
import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

export { readingTime } from "@/shared/time";

export type Article = components["schemas"]["ArticleOut"];
export type Category = components["schemas"]["ArticleCategoryOut"];
export type Module = NonNullable<components["schemas"]["ArticleIn"]["hidden_modules"]>[number];

// The reader's page's optional modules, in the order they appear on it.
export const MODULES: Module[] = ["contact", "read_count", "recommended_articles", "products"];

export async function loadCategories(): Promise<Category[]> {
  const body = await call(api.GET("/api/v1/article-categories"));
  return [...(body.categories ?? [])].sort((a, b) => (a.sort ?? 0) - (b.sort ?? 0));
}

/**
 * Opens the reader's page as a reader sees it, through the caller's own share link (an article
 * that is off has none). The tab opens on the click, before the answer: one opened after an
 * await is a popup browsers block.
 */
export async function openReaderPage(articleId: string): Promise<void> {
  const tab = window.open("", "_blank");
  // The reader's page gets no handle on the admin's window.
  if (tab) tab.opener = null;
  try {
    const share = await call(
      api.POST("/api/v1/articles/{article_id}/shares", { params: { path: { article_id: articleId } }, body: { method: "link" } }),
    );
    if (tab) tab.location.href = share.url ?? "";
    else window.location.assign(share.url ?? "");
  } catch (err) {
    tab?.close();
    throw err;
  }
}

/** A field's error, or the first of its items' (`product_ids.2`). */
export function fieldError(errors: Record<string, string>, name: string): string | undefined {
  return errors[name] ?? Object.entries(errors).find(([k]) => k.startsWith(`${name}.`))?.[1];
}
