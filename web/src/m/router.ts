// The mobile app's routes. Every staff member has the same pages (what a page shows is scoped by
// the services); the catch-all 404 comes last.
import { createRouter, createWebHistory } from "vue-router";

import { useSession } from "./session";

export const router = createRouter({
  history: createWebHistory("/m/"),
  routes: [
    { path: "/login", name: "login", component: () => import("./views/LoginView.vue"), meta: { public: true } },
    {
      path: "/",
      component: () => import("./views/TabsLayout.vue"),
      children: [
        { path: "", name: "home", component: () => import("./views/HomeView.vue") },
        { path: "customers", name: "customers", component: () => import("./views/CustomersView.vue") },
        { path: "inbox", name: "inbox", component: () => import("./views/InboxView.vue") },
        { path: "me", name: "me", component: () => import("./views/MeView.vue") },
      ],
    },
    { path: "/orders/new", name: "new-order", component: () => import("./views/NewOrderView.vue") },
    { path: "/orders", name: "orders", component: () => import("./views/OrdersView.vue") },
    { path: "/orders/:id", name: "order", component: () => import("./views/OrderView.vue") },
    { path: "/collect", name: "collect", component: () => import("./views/CollectView.vue") },
    { path: "/performance", name: "performance", component: () => import("./views/PerformanceView.vue") },
    { path: "/customers/new", name: "new-customer", component: () => import("./views/NewCustomerView.vue") },
    { path: "/customers/:id", name: "customer", component: () => import("./views/CustomerView.vue") },
    // B7: one counter page for both kinds of order (the code's QR prefix says which); a typed code
    // is a wholesale order's here and a storefront order's from the workbench.
    { path: "/verify", name: "verify", component: () => import("./views/VerifyView.vue") },
    // F4 B6 B7 B8: the store's workbench for its storefront orders.
    { path: "/workbench", name: "workbench", component: () => import("./views/WorkbenchView.vue") },
    {
      path: "/workbench/verify",
      name: "workbench-verify",
      component: () => import("./views/VerifyView.vue"),
      props: { bare: "storefront" },
    },
    { path: "/workbench/orders/:id", name: "workbench-order", component: () => import("./views/WorkbenchOrderView.vue") },
    { path: "/returns", name: "returns", component: () => import("./views/ReturnsView.vue") },
    { path: "/returns/new", name: "new-return", component: () => import("./views/NewReturnView.vue") },
    { path: "/store-data", name: "store-data", component: () => import("./views/StoreDataView.vue") },
    { path: "/nearby", name: "nearby", component: () => import("./views/NearbyView.vue") },
    { path: "/pool", name: "pool", component: () => import("./views/PoolView.vue") },
    { path: "/coupons", name: "coupons", component: () => import("./views/CouponsView.vue") },
    { path: "/visits", name: "visits", component: () => import("./views/VisitsView.vue") },
    { path: "/visitors", name: "visitors", component: () => import("./views/VisitorsView.vue") },
    { path: "/visitors/:id", name: "visitor", component: () => import("./views/VisitorView.vue") },
    { path: "/leads", name: "leads", component: () => import("./views/LeadsView.vue") },
    { path: "/leads/new", name: "new-lead", component: () => import("./views/NewLeadView.vue") },
    { path: "/leads/:id", name: "lead", component: () => import("./views/LeadView.vue") },
    { path: "/articles", name: "articles", component: () => import("./views/ArticlesView.vue") },
    { path: "/articles/preferences", name: "article-preferences", component: () => import("./views/ArticlePreferencesView.vue") },
    { path: "/articles/:id", name: "article", component: () => import("./views/ArticleView.vue") },
    { path: "/materials", name: "materials", component: () => import("./views/MaterialsView.vue") },
    { path: "/card", name: "card", component: () => import("./views/MyCardView.vue") },
    { path: "/card/edit", name: "card-edit", component: () => import("./views/MyCardEditView.vue") },
    { path: "/posters", name: "posters", component: () => import("./views/PostersView.vue") },
    { path: "/my-posters", name: "my-posters", component: () => import("./views/MyPostersView.vue") },
    { path: "/duplicates", name: "duplicates", component: () => import("./views/DuplicatesView.vue") },
    { path: "/:rest(.*)*", name: "not-found", component: () => import("@/shared/components/NotFound.vue") },
  ],
});

router.beforeEach(async (to) => {
  const session = useSession();
  if (to.meta.public) return true;
  if (!session.loggedIn) return { name: "login", query: { redirect: to.fullPath } };
  if (!session.me) {
    try {
      await session.loadMe();
    } catch {
      session.forget();
      return { name: "login", query: { redirect: to.fullPath } };
    }
  }
  return true;
});
