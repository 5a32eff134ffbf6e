import "element-plus/theme-chalk/base.css";
import "element-plus/theme-chalk/el-message.css";
import "element-plus/theme-chalk/el-notification.css";

import { createPinia } from "pinia";
import { createApp } from "vue";

import { connectTokens } from "@/shared/session";
import { makeI18n } from "@/shared/i18n";
import en from "@/shared/locales/en";
import zh from "@/shared/locales/zh-CN";

import App from "./App.vue";
import { en as adminEn, zh as adminZh } from "./locales";
import { router } from "./router";
import { useSession } from "./session";

const app = createApp(App);
app.use(createPinia());
const session = useSession();
connectTokens(session);
const i18n = makeI18n(session.language);
i18n.global.setLocaleMessage("zh-CN", { ...zh, ...adminZh });
i18n.global.setLocaleMessage("en", { ...en, ...adminEn });
app.use(i18n);
app.use(router);
app.mount("#app");
