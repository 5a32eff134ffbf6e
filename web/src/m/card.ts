// D3: my card's featured products and news as the card holds them (ids), looked up for showing.
// One no longer found (deleted since) is left out here; the reader's page leaves it out too.
import { api, call } from "@/api/client";
import type { components } from "@/api/schema";

export type Card = Required<components["schemas"]["CardContentIO"]>;
export type Product = components["schemas"]["ProductOut"];
export type Article = components["schemas"]["ArticleOut"];
export const ITEMS_MAX = 6;

export async function loadCard(): Promise<Card> {
  return (await call(api.GET("/api/v1/my-card"))) as Card;
}

export async function productsOf(ids: string[]): Promise<Product[]> {
  const found = await Promise.all(
    ids.map((id) => call(api.GET("/api/v1/products/{product_id}", { params: { path: { product_id: id } } })).catch(() => null)),
  );
  return found.filter((p): p is Product => !!p);
}

export async function articlesOf(ids: string[]): Promise<Article[]> {
  const found = await Promise.all(
    ids.map((id) => call(api.GET("/api/v1/articles/{article_id}", { params: { path: { article_id: id } } })).catch(() => null)),
  );
  return found.filter((a): a is Article => !!a);
}
