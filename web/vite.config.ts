// One project, two apps: `vite build --mode admin` builds the PC admin (served at /admin/),
// `--mode m` the mobile H5 (served at /m/). Each app is its own page with its own bundle, so the
// salesperson's phone never downloads the admin's Element Plus and charts.
import { fileURLToPath, URL } from "node:url";

import { VantResolver } from "@vant/auto-import-resolver";
import vue from "@vitejs/plugin-vue";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";
import Components from "unplugin-vue-components/vite";
import { defineConfig } from "vite";

const APPS = { admin: "/admin/", m: "/m/" } as const;

export default defineConfig(({ mode }) => {
  const app = mode as keyof typeof APPS;
  if (!(app in APPS)) throw new Error(`--mode must be one of ${Object.keys(APPS).join(", ")}`);
  return {
    root: fileURLToPath(new URL(`./${app}`, import.meta.url)),
    base: APPS[app],
    resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
    plugins: [
      vue(),
      // Components imported where they are used: each route's chunk carries only its own.
      Components({
        dts: false,
        resolvers: app === "admin" ? [ElementPlusResolver({ importStyle: "css" })] : [VantResolver()],
      }),
    ],
    build: {
      outDir: fileURLToPath(new URL(`./dist/${app}`, import.meta.url)),
      emptyOutDir: true,
      chunkSizeWarningLimit: 800,
    },
    // `npm run dev:admin` against a running `make run`.
    server: { proxy: { "/api": "http://127.0.0.1:8080" } },
  };
});
