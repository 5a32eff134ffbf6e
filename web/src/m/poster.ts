// D4 D3: a poster drawn by the server in a theme the person picks, shown full screen so that
// WeChat's long press saves it. Used by an article's page and by my card.
import { showImagePreview, showToast } from "vant";
import "vant/es/image-preview/style";
import { ref } from "vue";
import { useI18n } from "vue-i18n";

import { call } from "@/api/client";

export const THEMES = ["business", "festival", "fresh", "minimal"] as const;
export type Theme = (typeof THEMES)[number];

export function usePoster(draw: (theme: Theme) => Promise<{ data?: unknown; error?: unknown; response: Response }>) {
  const { t } = useI18n();
  const choosing = ref(false);
  const drawing = ref(false);
  const actions = THEMES.map((key) => ({ key, name: t(`m.articles.themes.${key}`) }));
  let shown = "";

  async function pick(action: { key: Theme }) {
    choosing.value = false;
    drawing.value = true;
    try {
      const image = await call(draw(action.key));
      if (shown) URL.revokeObjectURL(shown);
      shown = URL.createObjectURL(image as Blob);
      showImagePreview({ images: [shown], closeable: true, className: "poster-preview" });
    } catch (err) {
      showToast((err as Error).message);
    } finally {
      drawing.value = false;
    }
  }

  return { choosing, drawing, actions, pick };
}
