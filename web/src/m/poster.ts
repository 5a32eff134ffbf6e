// D4 D3 D12: posters drawn by the server, shown full screen so that WeChat's long press saves
// them. A themed poster (an article's, my card's, a product's) is drawn in the theme the person
// picks; posters of uploaded pictures and texts are drawn as they are.
import { showImagePreview, showToast } from "vant";
import "vant/es/image-preview/style";
import { ref } from "vue";
import { useI18n } from "vue-i18n";

import { call } from "@/api/client";

export const THEMES = ["business", "festival", "fresh", "minimal"] as const;
export type Theme = (typeof THEMES)[number];
export const POSITIONS = ["bottom_right", "bottom_left", "top_right", "top_left", "bottom_center"] as const;
export type Position = (typeof POSITIONS)[number];

type Drawn = Promise<{ data?: unknown; error?: unknown; response: Response }>;

let shown = "";

/** The poster full screen; the previous one's object URL is let go. */
export function showPoster(image: Blob) {
  if (shown) URL.revokeObjectURL(shown);
  shown = URL.createObjectURL(image);
  showImagePreview({ images: [shown], closeable: true, className: "poster-preview" });
}

/** Draw a poster (the server's PNG) and show it; `drawing` is true meanwhile. */
export function useDrawing() {
  const drawing = ref(false);
  async function draw(pending: () => Drawn) {
    drawing.value = true;
    try {
      showPoster((await call(pending())) as Blob);
    } catch (err) {
      showToast((err as Error).message);
    } finally {
      drawing.value = false;
    }
  }
  return { drawing, draw };
}

export function usePoster(draw: (theme: Theme) => Drawn) {
  const { t } = useI18n();
  const choosing = ref(false);
  const { drawing, draw: show } = useDrawing();
  const actions = THEMES.map((key) => ({ key, name: t(`m.articles.themes.${key}`) }));

  async function pick(action: { key: Theme }) {
    choosing.value = false;
    await show(() => draw(action.key));
  }

  return { choosing, drawing, actions, pick };
}
