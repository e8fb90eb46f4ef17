// The models the signed-in person may use, each with its status and examples ready to copy.
import { api } from '../api.js';
import { badge, copyButton, errorBox, fill, h, money } from '../ui.js';

/** The examples, with this server's address and the model filled in; the key comes from $SLUICE_KEY. */
export function examples(model, origin) {
  const base = `${origin}/v1`;
  const m = JSON.stringify(model);
  return [
    ['curl', `curl -s ${base}/chat/completions \\
  -H "authorization: Bearer $SLUICE_KEY" -H 'content-type: application/json' \\
  -d '{"model": ${m}, "messages": [{"role": "user", "content": "Hello!"}], "max_tokens": 50}'`],
    ['Python', `# pip install openai
import os
from openai import OpenAI

client = OpenAI(base_url="${base}", api_key=os.environ["SLUICE_KEY"])
reply = client.chat.completions.create(
    model=${m}, messages=[{"role": "user", "content": "Hello!"}], max_tokens=50)
print(reply.choices[0].message.content)`],
    ['JavaScript', `// npm install openai
import OpenAI from "openai";

const client = new OpenAI({ baseURL: "${base}", apiKey: process.env.SLUICE_KEY });
const reply = await client.chat.completions.create({
  model: ${m}, messages: [{ role: "user", content: "Hello!" }], max_tokens: 50 });
console.log(reply.choices[0].message.content);`],
    ['Anthropic', `# pip install anthropic  (Sluice serves /v1/messages for every model)
import os
from anthropic import Anthropic

client = Anthropic(base_url="${origin}", api_key=os.environ["SLUICE_KEY"])
reply = client.messages.create(
    model=${m}, max_tokens=50, messages=[{"role": "user", "content": "Hello!"}])
print(reply.content[0].text)`],
  ];
}

function exampleTabs(model, index) {
  const list = examples(model, location.origin);
  const tabs = [];
  const panels = [];
  const select = (i, focus) => {
    tabs.forEach((t, j) => {
      t.setAttribute('aria-selected', String(i === j));
      t.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) tabs[i].focus();
  };
  list.forEach(([name, code], i) => {
    const id = `ex-${index}-${i}`;
    tabs.push(h('button', {
      type: 'button', role: 'tab', id: `${id}-tab`, 'aria-controls': id,
      onclick: () => select(i, false),
      onkeydown: (e) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
        if (step) {
          e.preventDefault();
          select((i + step + list.length) % list.length, true);
        }
      },
    }, name));
    panels.push(h('div', { role: 'tabpanel', id, 'aria-labelledby': `${id}-tab`, class: 'code-box' },
      h('div', { class: 'code-tools' }, copyButton(code, 'Copy', `${name} example for ${model}`)),
      h('pre', { tabindex: '0' }, h('code', { class: `example-${name.toLowerCase()}` }, code))));
  });
  select(0, false);
  return h('div', {}, h('div', { role: 'tablist', 'aria-label': `Examples for ${model}` }, tabs), panels);
}

export async function render(main) {
  let models;
  try {
    models = (await api('GET', '/api/models')).models;
  } catch (e) {
    fill(main, h('h1', {}, 'Models'), errorBox(e));
    return;
  }
  fill(main,
    h('h1', {}, 'Models'),
    h('p', { class: 'muted' },
      'The models you may use. Call them with an API key (', h('a', { href: '/console/keys' }, 'create one'),
      ') at ', h('code', {}, `${location.origin}/v1`), '; the examples read the key from ',
      h('code', {}, 'SLUICE_KEY'), '.'),
    models.length
      ? h('div', { class: 'stack', id: 'models' }, models.map((m, i) => h('section', {
        class: 'panel model', 'aria-labelledby': `model-${i}`, dataset: { model: m.id },
      },
      h('div', { class: 'model-head' }, h('h2', { id: `model-${i}` }, m.id), badge(m.status)),
      m.description ? h('p', { class: 'hint' }, m.description) : null,
      m.prices ? price(m.prices) : null,
      exampleTabs(m.id, i))))
      : h('p', { class: 'notice warn', id: 'no-models' },
        'No model is open to you yet. Models are granted to groups; ask an administrator to add you to one.'));
}

/** What a million tokens cost, as the model is priced (a plan may charge its own), and how it was derived. */
function price(p) {
  const c = p.currency;
  const cached = p.cachedInput !== p.input ? `, cached input ${money(p.cachedInput, c)}` : '';
  return h('p', { class: 'hint price' },
    `Per million tokens: input ${money(p.input, c)}${cached}, output ${money(p.output, c)}`,
    p.derivedFrom ? ` (derived from ${p.derivedFrom})` : '');
}
