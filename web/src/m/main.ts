import "vant/es/toast/style";
import "vant/es/notify/style";

import { createPinia } from "pinia";
import { createApp } from "vue";

import { makeI18n } from "@/shared/i18n";
import en from "@/shared/locales/en";
import zh from "@/shared/locales/zh-CN";
import { connectTokens } from "@/shared/session";

import App from "./App.vue";
import { en as mEn, zh as mZh } from "./locales";
import { router } from "./router";
import { useSession } from "./session";

const app = createApp(App);
app.use(createPinia());
const session = useSession();
connectTokens(session);
const i18n = makeI18n(session.language);
i18n.global.setLocaleMessage("zh-CN", { ...zh, ...mZh });
i18n.global.setLocaleMessage("en", { ...en, ...mEn });
app.use(i18n);
app.use(router);
app.mount("#app");
