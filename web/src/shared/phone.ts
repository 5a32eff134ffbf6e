// A customer's number on a shared screen (a counter, a kitchen): the last digits tell who it is,
// a tap still calls the whole number (the page links it).

/** 138****8000, as the printed slips show it (printing.domain.text.mask_phone). */
export function maskPhone(phone: string | null | undefined): string {
  let digits = (phone ?? "").replace(/\D/g, "");
  if (digits.length === 13 && digits.startsWith("86")) digits = digits.slice(2); // +86 and the mainland number
  if (digits.length < 7) return "*".repeat(digits.length);
  return digits.slice(0, 3) + "*".repeat(digits.length - 7) + digits.slice(-4);
}

/**
 * A person's name to show beside their masked phone, or "" when the name is that phone: a shop
 * customer who logged in by SMS is registered under their number (customers' ensure_shopper), and
 * showing it as the name would undo the mask.
 */
export function nameBesidePhone(name: string | null | undefined, phone: string | null | undefined): string {
  const text = (name ?? "").trim();
  const digits = text.replace(/\D/g, "");
  return digits && digits === (phone ?? "").replace(/\D/g, "") ? "" : text;
}
