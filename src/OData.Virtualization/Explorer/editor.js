// Editing the rows of a set the signed-in caller may write: "New row", and "Edit" and "Delete" on each row. What the
// caller may do comes from $metadata (Capabilities.InsertRestrictions/UpdateRestrictions/DeleteRestrictions, written
// per caller); which properties only the database writes (or the caller sees masked), from explorer/sources. An edit
// reads the row again for its ETag and sends only the properties changed, with If-Match; a delete is confirmed in a
// dialog of the page first. A server error that names a property is shown at that field, any other above the form.

import { h, setMessage, uid } from './dom.js';
import { describeType, FLOAT_TYPES, INTEGER_TYPES } from './odata.js';
import { keyLabel, keyPredicate } from './navigate.js';
import { challenged, explainStatus, promptCredentials, queryHeaders, retryAfterSignIn, send } from './session.js';

const $ = id => document.getElementById(id);
// Int64 and Decimal go as strings (IEEE754Compatible=true), so that no digit is lost to a JavaScript number.
const BODY_TYPE = 'application/json;odata.metadata=minimal;IEEE754Compatible=true';

/** What the caller may write to a set, {insert, update, delete}: only what its annotations say explicitly. */
export function writePermissions(set) {
  const flag = (term, property) => {
    for (const prefix of ['@Capabilities.', '@Org.OData.Capabilities.V1.']) {
      const record = set?.annotations?.[prefix + term];
      if (record && typeof record === 'object') return record[property] === true;
    }
    return false;
  };
  const keyed = (set?.key.length ?? 0) > 0;
  return {
    insert: flag('InsertRestrictions', 'Insertable'),
    update: keyed && flag('UpdateRestrictions', 'Updatable'),
    delete: keyed && flag('DeleteRestrictions', 'Deletable'),
  };
}

/** The JSON value of what a field holds, {value} or {error}; the property's type decides. */
export function fieldValue(property, text) {
  const type = property.type;
  if (type === 'Edm.String' || property.enumMembers) return { value: text };
  const trimmed = text.trim();
  if (trimmed === '') return { error: property.nullable ? 'Enter a value, or tick NULL.' : 'Enter a value.' };
  if (INTEGER_TYPES.has(type)) {
    if (!/^[+-]?\d+$/.test(trimmed)) return { error: 'Enter a whole number, for example 42.' };
    return { value: type === 'Edm.Int64' ? trimmed : Number(trimmed) };
  }
  if (type === 'Edm.Decimal' || FLOAT_TYPES.has(type)) {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return { error: 'Enter a number, for example 12.5.' };
    return { value: type === 'Edm.Decimal' ? trimmed : Number(trimmed) };
  }
  if (type === 'Edm.DateTimeOffset') {
    // datetime-local holds no zone: the form shows and takes UTC.
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?$/.exec(trimmed);
    return m ? { value: `${m[1]}T${m[2]}${m[3] ?? ':00'}Z` } : { error: 'Enter a date and time (UTC).' };
  }
  if (type === 'Edm.TimeOfDay') return { value: /^\d{2}:\d{2}$/.test(trimmed) ? trimmed + ':00' : trimmed };
  return { value: trimmed }; // Edm.Date (from a date input), Guid, Duration, Binary (base64): as typed
}

/** What a value from the server looks like in a field's control. */
function controlText(property, value) {
  if (value === null || value === undefined) return '';
  if (property.type === 'Edm.DateTimeOffset') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 23);
  }
  if (property.type === 'Edm.TimeOfDay') return String(value).slice(0, 12);
  return String(value);
}

function controlFor(property, id) {
  const attributes = { id, name: property.name, autocomplete: 'off' };
  if (property.enumMembers) return h('select', attributes, property.enumMembers.map(m => h('option', { value: m }, m)));
  switch (property.type) {
    case 'Edm.Boolean': return h('input', { ...attributes, type: 'checkbox' });
    case 'Edm.Date': return h('input', { ...attributes, type: 'date' });
    case 'Edm.DateTimeOffset': return h('input', { ...attributes, type: 'datetime-local', step: '0.001' });
    case 'Edm.TimeOfDay': return h('input', { ...attributes, type: 'time', step: '1' });
  }
  if (INTEGER_TYPES.has(property.type)) return h('input', { ...attributes, type: 'number', step: '1', inputmode: 'numeric' });
  if (property.type === 'Edm.Decimal' || FLOAT_TYPES.has(property.type)) return h('input', { ...attributes, type: 'number', step: 'any', inputmode: 'decimal' });
  return h('input', { ...attributes, type: 'text', spellcheck: 'false' });
}

export class RowEditor {
  /** reload: shows the current page again (a promise); serviceRoot: the OData service root. */
  constructor(serviceRoot, reload) {
    this.serviceRoot = serviceRoot;
    this.reload = reload;
    this.set = null;
    this.fields = [];
    $('new-row').addEventListener('click', event => this.openCreate(event.currentTarget));
    $('edit-form').addEventListener('submit', event => {
      event.preventDefault();
      this.save();
    });
    $('edit-cancel').addEventListener('click', () => $('edit-dialog').close());
    $('edit-dialog').addEventListener('close', () => this.returnFocus?.focus());
    $('delete-cancel').addEventListener('click', () => $('delete-dialog').close());
    $('delete-dialog').addEventListener('close', () => this.returnFocus?.focus());
    $('delete-confirm').addEventListener('click', () => this.remove());
  }

  /** The set now shown (null: none, or a view where no new row can go); offers "New row" when it may be written. */
  show(set, canCreateHere = true) {
    this.set = set;
    this.may = writePermissions(set);
    $('new-row').hidden = !(set && canCreateHere && this.may.insert);
    setMessage($('edit-status'), '');
  }

  /** The Edit and Delete buttons of one result row, or null when the caller may do neither. */
  rowActions(set, row) {
    const may = writePermissions(set);
    const predicate = (may.update || may.delete) ? keyPredicate(set, row) : null;
    if (!predicate) return null;
    const key = keyLabel(set, row);
    return h('div', { class: 'row-actions-buttons', 'data-key': predicate },
      may.update ? h('button', { type: 'button', class: 'edit-row', 'aria-label': `Edit ${key}`, onclick: e => this.openEdit(set, row, predicate, e.currentTarget) }, 'Edit') : null,
      may.delete ? h('button', { type: 'button', class: 'delete-row', 'aria-label': `Delete ${key}`, onclick: e => this.confirmDelete(set, row, predicate, e.currentTarget) }, 'Delete') : null);
  }

  openCreate(opener) {
    this.target = { set: this.set, mode: 'create', predicate: null, etag: null };
    this.returnFocus = opener;
    this.renderForm({});
    $('edit-title').textContent = `New row in ${this.set.name}`;
    $('edit-save').textContent = 'Create';
    this.openDialog();
  }

  async openEdit(set, row, predicate, opener) {
    this.returnFocus = opener;
    this.target = { set, mode: 'edit', predicate, etag: null, label: keyLabel(set, row) };
    $('edit-title').textContent = `Edit ${set.name} ${this.target.label}`;
    $('edit-save').textContent = 'Save';
    this.renderForm(row);
    this.openDialog();
    await this.readRow();
  }

  /** Reads the row again: its current values and ETag (a row of the page may be older, or lack the tag). */
  async readRow() {
    const target = this.target;
    this.showError(null);
    $('edit-save').disabled = true;
    $('edit-form').setAttribute('aria-busy', 'true');
    const outcome = await send(this.entityUrl(target), queryHeaders(1));
    if (this.target !== target) return;
    $('edit-save').disabled = false;
    $('edit-form').removeAttribute('aria-busy');
    if (outcome.error) {
      this.handleError(outcome, () => this.readRow());
      return;
    }
    target.etag = outcome.body['@odata.etag'] ?? outcome.response.headers.get('ETag');
    const focused = document.activeElement?.closest('#edit-fields') ? document.activeElement.name : null;
    this.renderForm(outcome.body);
    if ($('edit-dialog').open) (this.fields.find(f => f.property.name === focused && f.editable) ?? this.fields.find(f => f.editable))?.input.focus();
  }

  entityUrl(target) {
    return this.serviceRoot + target.set.url + target.predicate;
  }

  openDialog() {
    const dialog = $('edit-dialog');
    if (!dialog.open) dialog.showModal();
    (this.fields.find(f => f.editable)?.input ?? $('edit-cancel')).focus();
  }

  renderForm(row) {
    const { set, mode } = this.target;
    const readOnly = new Set(set.readOnly ?? []);
    const defaulted = new Set(set.defaulted ?? []);
    this.showError(null);
    this.fields = set.properties.filter(p => !p.collection).map(property => {
      const id = uid('edit');
      const input = controlFor(property, id);
      const errorId = `${id}-error`;
      const typeId = `${id}-type`;
      const notes = [describeType(property)];
      let editable = true;
      if (property.isKey) notes.push('key');
      if (readOnly.has(property.name)) {
        editable = false;
        notes.push('read-only: set by the database, or shown to you masked');
      } else if (property.isKey && mode === 'edit') {
        editable = false;
        notes.push('identifies the row: cannot be changed');
      } else if (mode === 'create' && (defaulted.has(property.name) || property.nullable) && property.type !== 'Edm.Boolean') {
        notes.push(defaulted.has(property.name) ? 'leave empty for the database’s value' : 'leave empty for NULL');
      }
      if (typeof property.maxLength === 'number') notes.push(`at most ${property.maxLength} characters`);
      if (property.type === 'Edm.DateTimeOffset') notes.push('UTC');
      const value = row[property.name];
      let nullBox = null;
      if (property.nullable && editable) {
        nullBox = h('input', { type: 'checkbox', class: 'null-box', checked: mode === 'edit' && value === null });
        nullBox.addEventListener('change', () => {
          input.disabled = nullBox.checked;
          this.clearFieldError(field);
        });
      }
      if (input.type === 'checkbox') input.checked = value === true;
      else input.value = controlText(property, value);
      if (!editable) {
        if (input.tagName === 'SELECT' || input.type === 'checkbox') input.disabled = true;
        else input.readOnly = true;
      }
      input.disabled ||= nullBox?.checked === true;
      input.setAttribute('aria-describedby', `${typeId} ${errorId}`);
      input.addEventListener('input', () => this.clearFieldError(field));
      const error = h('p', { id: errorId, class: 'field-error' });
      const field = {
        property, input, nullBox, editable, error,
        element: h('div', { class: 'edit-field' + (editable ? '' : ' read-only') },
          h('label', { for: id }, property.name),
          h('div', { class: 'edit-control' }, input,
            nullBox ? h('label', { class: 'null-label' }, nullBox, 'NULL', h('span', { class: 'visually-hidden' }, ` (${property.name})`)) : null),
          h('p', { id: typeId, class: 'muted edit-note' }, notes.join(' · ')),
          error),
      };
      field.initial = this.stateOf(field);
      return field;
    });
    $('edit-fields').replaceChildren(...this.fields.map(f => f.element));
  }

  stateOf(field) {
    if (field.nullBox?.checked) return 'null';
    return field.input.type === 'checkbox' ? String(field.input.checked) : 'v:' + field.input.value;
  }

  /** The body to send: for a new row the fields filled in, for an edit only those changed; null after showing errors. */
  body() {
    const body = {};
    const errors = [];
    for (const field of this.fields) {
      this.clearFieldError(field);
      if (!field.editable) continue;
      if (this.target.mode === 'edit' && this.stateOf(field) === field.initial) continue;
      const { input, property } = field;
      if (field.nullBox?.checked) body[property.name] = null;
      else if (input.type === 'checkbox') body[property.name] = input.checked;
      else if (input.validity?.badInput) errors.push([field, 'Enter a number, for example 12.5.']);
      else if (this.target.mode === 'create' && input.value === '') continue; // the database's default, or NULL
      else {
        const { value, error } = fieldValue(property, input.value);
        if (error) errors.push([field, error]);
        else body[property.name] = value;
      }
    }
    for (const [field, message] of errors) this.showFieldError(field, message);
    if (errors.length > 0) {
      this.showError(`Check ${errors.length === 1 ? 'the marked field' : `the ${errors.length} marked fields`}.`);
      errors[0][0].input.focus();
      return null;
    }
    return body;
  }

  async save() {
    const target = this.target;
    const body = this.body();
    if (!body) return;
    if (target.mode === 'edit' && Object.keys(body).length === 0) {
      this.showError('Nothing has changed.');
      return;
    }
    const headers = { ...queryHeaders(1), 'Content-Type': BODY_TYPE };
    delete headers.Prefer;
    if (target.mode === 'create') headers.Prefer = 'return=representation';
    if (target.etag) headers['If-Match'] = target.etag;
    $('edit-save').disabled = true;
    const outcome = await send(target.mode === 'create' ? this.serviceRoot + target.set.url : this.entityUrl(target), headers, undefined,
      { method: target.mode === 'create' ? 'POST' : 'PATCH', body: JSON.stringify(body) });
    $('edit-save').disabled = false;
    if (this.target !== target) return;
    if (!outcome.response?.ok) {
      this.handleError(outcome, () => this.save());
      return;
    }
    const created = target.mode === 'create' && outcome.body ? keyLabel(target.set, outcome.body) : null;
    const predicate = target.mode === 'create' && outcome.body ? keyPredicate(target.set, outcome.body) : target.predicate;
    await this.finish($('edit-dialog'), target.mode === 'create' ? `Created ${target.set.name} ${created ?? 'row'}.` : `Saved ${target.set.name} ${target.label}.`, predicate);
  }

  confirmDelete(set, row, predicate, opener) {
    this.returnFocus = opener;
    this.target = { set, mode: 'delete', predicate, etag: row['@odata.etag'] ?? null, label: keyLabel(set, row) };
    $('delete-text').textContent = `Delete the row ${this.target.label} of ${set.name}? This cannot be undone.`;
    setMessage($('delete-error'), '');
    $('delete-confirm').disabled = false;
    $('delete-dialog').showModal();
    $('delete-cancel').focus(); // the safe choice first
  }

  async remove() {
    const target = this.target;
    const headers = { ...queryHeaders(1) };
    delete headers.Prefer;
    if (!target.etag) {
      // A page read with $select carries no tag: read the row's now.
      const read = await send(this.entityUrl(target), queryHeaders(1));
      target.etag = read.body?.['@odata.etag'] ?? read.response?.headers.get('ETag') ?? null;
    }
    if (target.etag) headers['If-Match'] = target.etag;
    $('delete-confirm').disabled = true;
    const outcome = await send(this.entityUrl(target), headers, undefined, { method: 'DELETE' });
    $('delete-confirm').disabled = false;
    if (!outcome.response?.ok) {
      this.handleError(outcome, () => this.remove(), $('delete-error'));
      return;
    }
    await this.finish($('delete-dialog'), `Deleted ${target.set.name} ${target.label}.`, null);
  }

  /** Closes the dialog, shows the page again with the new values, and puts the focus back where it belongs. */
  async finish(dialog, message, predicate) {
    this.returnFocus = null;
    dialog.close();
    await this.reload();
    setMessage($('edit-status'), message);
    const again = predicate ? [...document.querySelectorAll('#results-table .row-actions-buttons')].find(e => e.dataset.key === predicate) : null;
    (again?.querySelector('button') ?? ($('new-row').hidden ? $('set-title') : $('new-row'))).focus();
  }

  /** An answer that is not a success: a 401 goes through sign-in and tries again; others are shown. */
  handleError({ response, error }, retry, slot = null) {
    if (response?.status === 401) {
      challenged(response);
      // Only while the form (or the confirmation) is still open: a write the user walked away from is never sent later.
      const dialog = slot ? $('delete-dialog') : $('edit-dialog');
      retryAfterSignIn(() => dialog.open && retry());
      promptCredentials(`To write, sign in again: ${error.message}`, response.headers.get('WWW-Authenticate'));
      return;
    }
    const targeted = [error.target, ...error.details.map(d => d.target)]
      .map(name => this.fields.find(f => f.property.name === name)).filter(Boolean);
    if (!slot && targeted.length > 0) {
      if (error.target) this.showFieldError(targeted[0], error.message);
      for (const detail of error.details) {
        const field = this.fields.find(f => f.property.name === detail.target);
        if (field) this.showFieldError(field, detail.message);
      }
      this.showError(`The server refused the ${this.target.mode === 'create' ? 'new row' : 'change'}: see the marked field${targeted.length > 1 ? 's' : ''}.`);
      targeted[0].input.focus();
      return;
    }
    const status = response?.status;
    const message = status === 412 ? `This row was changed since you read it — reload it to see the current values, then make your change again. Nothing was written. (${error.message})`
      : status === 428 ? `The server needs the row's version to change it (If-Match) — reload the row and try again. (${error.message})`
        : status === 404 ? `The row is not there any more, or not among the rows you may change. (${error.message})`
          : status === 409 ? `Conflict: ${error.message}`
            : explainStatus(response, error);
    if (slot) {
      setMessage(slot, message);
      return;
    }
    this.showError(message, status === 412 || status === 428);
  }

  showError(message, offerReload = false) {
    const box = $('edit-error');
    box.replaceChildren(...(message ? [h('p', {}, message)] : []),
      offerReload ? h('button', { type: 'button', onclick: () => this.readRow() }, 'Reload the row') : null);
    box.hidden = !message;
  }

  showFieldError(field, message) {
    field.error.textContent = message;
    field.input.setAttribute('aria-invalid', 'true');
    field.element.classList.add('has-error');
  }

  clearFieldError(field) {
    if (!field?.input.hasAttribute('aria-invalid')) return;
    field.error.textContent = '';
    field.input.removeAttribute('aria-invalid');
    field.element.classList.remove('has-error');
  }
}
