// How both apps name a visitor (C10): their WeChat nickname, else 访客 and the first characters
// of their id, so the same reader reads the same on the phone and in the admin.
type Named = { id?: string; nickname?: string };

export function shortVisitorId(id: string | undefined): string {
  return (id ?? "").replace(/-/g, "").slice(0, 6).toUpperCase();
}

/** `anonymous` is the app's text for a visitor without a nickname, given their short id. */
export function visitorName(visitor: Named, anonymous: (shortId: string) => string): string {
  return visitor.nickname || anonymous(shortVisitorId(visitor.id));
}
