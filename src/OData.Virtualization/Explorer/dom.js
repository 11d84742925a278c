// Small DOM helpers. Text always goes in as text (textContent), never as HTML.

let nextId = 0;

/** A unique element id with a readable prefix. */
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * Creates an element: h('button', {type: 'button', class: 'x', onclick: f}, 'text', child).
 * Attributes set to null, undefined or false are left out; true sets an empty attribute.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = value;
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** Shows a message in an element that is hidden while empty. */
export function setMessage(element, text) {
  element.textContent = text ?? '';
  element.hidden = !text;
}

/** A label that only screen readers see. */
export function hiddenLabel(forId, text) {
  return h('label', { for: forId, class: 'visually-hidden' }, text);
}

/** Copies a text field to the clipboard (or, where that is not allowed, selects it) and says which. */
export async function copyField(field, status, what) {
  let done = false;
  try {
    await navigator.clipboard.writeText(field.value);
    done = true;
  } catch {
    // Not a secure context, or no permission: copy from the selected text instead.
    field.focus();
    field.select();
    done = document.execCommand('copy');
  }
  status.textContent = done ? `Copied the ${what}.` : `Select the ${what} and copy it with the keyboard.`;
}
