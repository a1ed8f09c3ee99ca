// The console's router: #/ the conversations, #/c/<id> one conversation, #/node the node and cluster. Each view
// renders into <main> and returns a function that stops its timers and streams when the operator leaves it.
import { token } from './api.js';
import { listView } from './list.js';
import { conversationView } from './conversation.js';
import { nodeView } from './node.js';

const main = document.getElementById('main');
let leave = null;

function route() {
  leave?.();
  leave = null;
  main.replaceChildren();
  const hash = location.hash || '#/';
  let view = 'list';
  if (hash.startsWith('#/c/')) {
    view = 'conversation';
    leave = conversationView(main, decodeURIComponent(hash.slice(4)));
  } else if (hash === '#/node') {
    view = 'node';
    leave = nodeView(main);
  } else {
    leave = listView(main);
  }
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.focus({ preventScroll: true });
}

const forget = document.getElementById('forget-token');
forget.hidden = token.get() === null;
forget.addEventListener('click', () => {
  token.clear();
  forget.hidden = true;
  route();
});

window.addEventListener('hashchange', route);
route();
