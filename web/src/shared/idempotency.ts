// A form's Idempotency-Key lives until the form's submission succeeds, in sessionStorage: a
// double tap and a reload during a slow answer send the same key, so the order is placed once.
const PREFIX = "idem:";

export function formKey(form: string): string {
  const stored = sessionStorage.getItem(PREFIX + form);
  if (stored) return stored;
  const key = crypto.randomUUID();
  sessionStorage.setItem(PREFIX + form, key);
  return key;
}

export function formDone(form: string): void {
  sessionStorage.removeItem(PREFIX + form);
}
