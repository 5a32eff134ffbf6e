// Alerts read aloud (F4): the browser's own speech synthesis, a Chinese voice where the device
// has one, and the words an alert deserves. A new storefront order is said with its kind and
// amount ("您有新的外卖订单，金额 12.50 元"), a refund request with its amount and reason; any other
// alert is said by its title. Whether to speak at all is the person's switch (alerts.ts `voice`).
import { onMounted } from "vue";

import { KINDS } from "@/api/storefront";

import type { Alert } from "./alerts";
import { yuanDigits } from "./money";

type Translate = (key: string, params?: Record<string, unknown>) => string;

/** The alerts of the storefront (B6 B8) a merchant's workbench listens for. */
export const STOREFRONT_ALERTS = ["storefront_order", "storefront_refund"] as const;

export function isStorefrontAlert(alert: Alert): boolean {
  return (STOREFRONT_ALERTS as readonly string[]).includes(alert.kind ?? "");
}

export function canSpeak(): boolean {
  return typeof window !== "undefined" && "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
}

/**
 * The device's voice for `lang` ("zh-CN"), the one on the device first (it speaks offline);
 * undefined when it has none, and the browser picks by the utterance's lang. Only the exact
 * locale: another zh voice may be Cantonese (zh-HK).
 */
export function pickVoice(voices: readonly SpeechSynthesisVoice[], lang: string): SpeechSynthesisVoice | undefined {
  const wanted = lang.toLowerCase();
  const matching = voices.filter((v) => v.lang.toLowerCase().replace("_", "-") === wanted);
  return matching.find((v) => v.localService) ?? matching[0];
}

/** The words for one alert in the app's language (`t`); the title for kinds said as they are. */
export function spokenText(alert: Alert, t: Translate): string {
  const params = alert.params ?? {};
  const amount = (fen: string | undefined) => (fen !== undefined && /^-?\d+$/.test(fen) ? yuanDigits(Number(fen)) : null);
  if (alert.kind === "storefront_order") {
    const total = amount(params.total_fen);
    const kind = (KINDS as readonly string[]).includes(params.kind ?? "") ? t(`storefront.kinds.${params.kind}`) : "";
    if (total !== null) return t("alerts.spoken.order", { kind, amount: total });
  }
  if (alert.kind === "storefront_refund") {
    const requested = amount(params.requested_fen);
    const reason = (params.reason ?? "").trim();
    if (requested !== null) {
      return reason
        ? t("alerts.spoken.refundWithReason", { amount: requested, reason })
        : t("alerts.spoken.refund", { amount: requested });
    }
  }
  return alert.title ?? "";
}

// What a browser refused to say before the first tap, said at that tap.
let pending: { text: string; language: string } | null = null;
let armed = false;

/** Reads `text` aloud, in Chinese unless the app is in English. */
export function speak(text: string, language = "zh-CN"): void {
  if (!canSpeak() || !text) return;
  const lang = language === "en" ? "en-US" : "zh-CN";
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = lang;
  const voice = pickVoice(window.speechSynthesis.getVoices(), lang);
  if (voice) utterance.voice = voice;
  // Chrome says "not-allowed" to a page nobody has touched yet: the words wait for the first tap.
  utterance.onerror = (event) => {
    if (event.error === "not-allowed") pending = { text, language };
  };
  window.speechSynthesis.speak(utterance);
}

// The events that count as the person's own gesture (HTML's activation-triggering ones).
const GESTURES = ["click", "touchend", "keydown"] as const;

/**
 * Browsers speak only after the person has touched the page: Chrome refuses speech before that
 * ("not-allowed"), iOS Safari stays silent unless the first speech starts inside a touch's own
 * handler. A merchant's phone may open the app and sit on the counter, so the first tap or key
 * anywhere arms speech, once per page: inside that gesture it says what was refused meanwhile,
 * or an empty, silent utterance that unlocks speaking for the rest of the page's life.
 */
export function armSpeech(): void {
  if (armed || !canSpeak()) return;
  armed = true;
  const unlock = () => {
    for (const type of GESTURES) document.removeEventListener(type, unlock, true);
    if (pending) {
      const { text, language } = pending;
      pending = null;
      speak(text, language);
      return;
    }
    const silent = new SpeechSynthesisUtterance("");
    silent.volume = 0;
    window.speechSynthesis.speak(silent);
  };
  for (const type of GESTURES) document.addEventListener(type, unlock, true);
}

/**
 * For an app's shell: arms speech on the first tap and gives the alert poller (useAlerts'
 * `words`) what to say for each alert.
 */
export function useSpokenAlerts(t: Translate) {
  onMounted(armSpeech);
  return { words: (alert: Alert) => spokenText(alert, t) };
}
