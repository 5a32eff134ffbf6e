// Real-time alerts (F4, ADR 0016): while the app is visible it asks `GET /api/v1/alerts` about
// every second with the cursor of its previous answer; each new alert is shown by the app (a
// notify bar or a notification), the inbox badge is read again at once, and the newest one is
// read aloud when the person turned voice on. A hidden tab or a locked phone stops asking; it asks
// again, from where it was, the moment it is visible. The gateway answers from Redis alone, so a
// poll is cheap; one loop serves the whole app however many components use it.
//
// Generic on purpose: any kind of notification messaging stores arrives here (a shared article
// opened today, new orders next), and an app decides how to show it.
import { onBeforeUnmount, onMounted, ref } from "vue";

import { api, call } from "@/api/client";
import type { components } from "@/api/schema";
import { ApiError } from "@/api/errors";
import { refreshUnread } from "@/shared/inbox";
import { canSpeak, speak } from "@/shared/useSpokenAlerts";

export { canSpeak, speak };

export type Alert = components["schemas"]["AlertOut"];
export type AlertHandler = (alerts: Alert[]) => void;

const POLL_MS = 1_000;
// After a failure (network, gateway or Redis down), ask less often until an answer comes.
const BACKOFF_MS = [2_000, 5_000, 10_000, 30_000];
const VOICE_KEY = "crm.alerts.voice";

/** The person's choice to hear alerts (kept on this device, per browser). */
export const voice = ref(localStorage.getItem(VOICE_KEY) === "on");

/** Turns voice on or off; turning it on (a tap, which lets the browser speak) says so aloud. */
export function setVoice(on: boolean, confirmation: string, language = "zh-CN"): void {
  voice.value = on;
  localStorage.setItem(VOICE_KEY, on ? "on" : "off");
  if (on) speak(confirmation, language);
}

interface Options {
  /** Whether to ask now (e.g. someone is logged in on a page that is not public). */
  active?: () => boolean;
  /** The app's language, for speech. */
  language?: () => string;
  /** The words to read aloud for an alert (an app may say more than the title: a new order's
   * kind and amount); the title when left out. */
  words?: (alert: Alert) => string;
}

const handlers = new Set<AlertHandler>();
let options: Options = {};
let cursor: string | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let failures = 0;
let running = false;
let asking = false;

function schedule(ms: number) {
  clearTimeout(timer);
  timer = setTimeout(tick, ms);
}

async function tick() {
  if (!running || asking) return;
  if (document.hidden) return; // visibilitychange starts it again
  if (options.active && !options.active()) {
    cursor = null; // someone else may log in: they start from their own now
    schedule(POLL_MS);
    return;
  }
  asking = true;
  let wait = POLL_MS;
  try {
    const query = cursor === null ? {} : { after: cursor };
    const body = await call(api.GET("/api/v1/alerts", { params: { query } }));
    const fresh = cursor === null ? [] : body.alerts;
    cursor = body.cursor;
    failures = 0;
    if (fresh.length) deliver(fresh);
  } catch (err) {
    // A cursor refused, or a session that ended (its refresh failed, so `active` turns false and
    // the loop waits without asking): whoever asks next starts from their own now.
    if (err instanceof ApiError && [400, 401, 403].includes(err.status)) cursor = null;
    const retryAfter = err instanceof ApiError && err.status === 429 ? POLL_MS * 10 : 0;
    wait = Math.max(retryAfter, BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]);
    failures += 1;
  } finally {
    asking = false;
  }
  if (running) schedule(wait);
}

function deliver(alerts: Alert[]) {
  for (const handler of handlers) handler(alerts);
  refreshUnread();
  const newest = alerts[alerts.length - 1];
  if (!voice.value) return;
  const words = options.words?.(newest) || newest.title;
  if (words) speak(words, options.language?.() ?? "zh-CN");
}

function onVisibility() {
  if (!document.hidden && running) schedule(0);
}

function start() {
  if (running) return;
  running = true;
  document.addEventListener("visibilitychange", onVisibility);
  schedule(0);
}

function stop() {
  running = false;
  clearTimeout(timer);
  document.removeEventListener("visibilitychange", onVisibility);
}

/**
 * Listen to alerts while the calling component is mounted (an app's layout or shell). Returns
 * the function that stops listening; the loop stops when nobody listens.
 */
export function listenToAlerts(handler: AlertHandler, opts: Options = {}): () => void {
  handlers.add(handler);
  options = { ...options, ...opts };
  start();
  return () => {
    handlers.delete(handler);
    if (!handlers.size) {
      stop();
      cursor = null;
    }
  };
}

/** listenToAlerts for the life of the calling component. */
export function useAlerts(handler: AlertHandler, opts: Options = {}): void {
  let stopListening: (() => void) | undefined;
  onMounted(() => {
    stopListening = listenToAlerts(handler, opts);
  });
  onBeforeUnmount(() => stopListening?.());
}

/** The text of a batch: the newest alert's title, and how many more came with it. */
export function summary(alerts: Alert[], more: (n: number) => string): string {
  const newest = alerts[alerts.length - 1]?.title ?? "";
  return alerts.length > 1 ? `${newest}\n${more(alerts.length - 1)}` : newest;
}
