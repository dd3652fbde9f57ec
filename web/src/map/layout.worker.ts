// The layout off the page's main thread: ForceAtlas2 on a 2,000-organization region takes
// about 2 s, during which the page could not draw a frame or answer a click.
import { extendLayout, type Tie } from "./layout";

interface Ask {
  id: number;
  placed: [string, { x: number; y: number }][];
  nodes: string[];
  ties: Tie[];
}

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Ask>) => void) | null;
  postMessage: (message: unknown) => void;
};

scope.onmessage = (event) => {
  const { id, placed, nodes, ties } = event.data;
  scope.postMessage({ id, positions: [...extendLayout(new Map(placed), nodes, ties)] });
};
