import { createI18n } from "vue-i18n";

import en from "./locales/en";
import zh from "./locales/zh-CN";

export const LANGUAGES = { "zh-CN": "简体中文", en: "English" } as const;

export function makeI18n(language: string) {
  return createI18n({
    legacy: false,
    locale: language in LANGUAGES ? language : "zh-CN",
    fallbackLocale: "zh-CN",
    messages: { "zh-CN": zh, en },
  });
}

/** Phone numbers as the services check them: 11 digits from 1. */
export const PHONE = /^1\d{10}$/;
