// Routes: login and the layout are static; the pages a person may see are added once their
// roles are known, and the catch-all 404 LAST, so a refresh on a page never lands on 404.
import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";

import { PAGES, allowed } from "./menu";
import { useSession } from "./session";

const base: RouteRecordRaw[] = [
  { path: "/login", name: "login", component: () => import("./views/LoginView.vue"), meta: { public: true } },
  { path: "/", name: "layout", component: () => import("./layout/AdminLayout.vue"), children: [] },
];

export const router = createRouter({ history: createWebHistory("/admin/"), routes: base });

let pagesAdded = false;

function addPages(roles: string[], permissions: string[]): void {
  for (const page of PAGES.filter((p) => allowed(p, roles, permissions))) {
    router.addRoute("layout", { path: page.path, name: page.name, component: page.component });
  }
  router.addRoute({ path: "/:rest(.*)*", name: "not-found", component: () => import("@/shared/components/NotFound.vue") });
  pagesAdded = true;
}

router.beforeEach(async (to) => {
  const session = useSession();
  if (to.meta.public) return true;
  if (!session.loggedIn) return { name: "login", query: { redirect: to.fullPath } };
  if (!pagesAdded) {
    try {
      const me = await session.loadMe();
      addPages(me.roles ?? [], me.permissions ?? []);
    } catch {
      session.forget();
      return { name: "login", query: { redirect: to.fullPath } };
    }
    // Resolve again now that the person's pages exist.
    return to.fullPath;
  }
  return true;
});
