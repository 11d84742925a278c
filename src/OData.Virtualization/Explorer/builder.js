// The query form of one entity set: conditions ($filter), an extra $filter expression, $search, sort columns
// ($orderby) and the columns to show ($select). Turns what the user entered into a query, or says which field
// holds a value the explorer cannot turn into an OData literal.

import { h, hiddenLabel, setMessage, uid } from './dom.js';
import { OPERATOR_LABELS, describeType, filterTerm, needsValue, operatorsFor, valueHint } from './odata.js';

export class QueryBuilder {
  constructor(elements) {
    this.el = elements;
    this.set = null;
    this.el.addFilter.addEventListener('click', () => this.addCondition(true));
    this.el.addOrder.addEventListener('click', () => this.addOrder(true));
    this.el.selectAll.addEventListener('click', () => this.setAllColumns(true));
    this.el.selectNone.addEventListener('click', () => this.setAllColumns(false));
    this.el.selectList.addEventListener('change', () => this.updateSelectSummary());
  }

  /** Starts an empty query on another entity set. */
  reset(set) {
    this.set = set;
    this.el.filterRows.replaceChildren();
    this.el.orderRows.replaceChildren();
    this.el.filterExpression.value = '';
    this.el.search.value = '';
    this.el.selectList.replaceChildren(...set.properties.map(p => {
      const id = uid('select');
      return h('div', { class: 'check' },
        h('input', { type: 'checkbox', id, value: p.name, checked: true }),
        h('label', { for: id }, p.name, h('span', { class: 'type' }, ' ' + describeType(p))));
    }));
    this.el.selectDetails.open = false;
    this.updateSelectSummary();
    this.renumber();
  }

  filterableProperties() {
    return this.set.properties.filter(p => !p.collection && operatorsFor(p).length > 0);
  }

  sortableProperties() {
    return this.set.properties.filter(p => !p.collection && p.type !== 'Edm.Binary' && p.type !== 'Edm.Stream');
  }

  /** Adds a condition row; with focus, moves the keyboard to its column. */
  addCondition(focus, initial = {}) {
    const properties = this.filterableProperties();
    if (properties.length === 0) return null;
    const columnId = uid('condition-column');
    const operatorId = uid('condition-operator');
    const valueId = uid('condition-value');
    const errorId = uid('condition-error');
    const column = h('select', { id: columnId, class: 'condition-column' },
      properties.map(p => h('option', { value: p.name }, p.name)));
    const operator = h('select', { id: operatorId, class: 'condition-operator' });
    const valueSlot = h('span', { class: 'condition-value-slot' });
    const error = h('p', { id: errorId, class: 'field-error', hidden: true });
    const remove = h('button', { type: 'button', class: 'remove', title: 'Remove this condition' }, 'Remove');
    const row = h('div', { class: 'condition', role: 'group' },
      h('span', { class: 'condition-fields' },
        hiddenLabel(columnId, 'Column'), column,
        hiddenLabel(operatorId, 'Operator'), operator,
        valueSlot),
      remove, error);
    row.dataset.valueId = valueId;
    row.dataset.errorId = errorId;

    const propertyOf = () => properties.find(p => p.name === column.value);
    const refreshOperators = () => {
      const previous = operator.value;
      const ops = operatorsFor(propertyOf());
      operator.replaceChildren(...ops.map(op => h('option', { value: op }, OPERATOR_LABELS[op])));
      if (ops.includes(previous)) operator.value = previous;
    };
    const refreshValue = () => {
      const property = propertyOf();
      const previous = valueSlot.querySelector('input, select')?.value ?? '';
      valueSlot.replaceChildren();
      if (!needsValue(operator.value)) return;
      let input;
      if (property.enumMembers) {
        input = h('select', { id: valueId, class: 'condition-value' }, property.enumMembers.map(m => h('option', { value: m }, m)));
      } else {
        input = h('input', {
          id: valueId,
          class: 'condition-value',
          type: property.type === 'Edm.Date' ? 'date' : 'text',
          placeholder: valueHint(property),
          autocomplete: 'off',
          spellcheck: 'false',
          inputmode: /Int|Byte|Decimal|Double|Single/.test(property.type) ? 'decimal' : null,
        });
        input.value = previous;
      }
      input.setAttribute('aria-describedby', errorId);
      valueSlot.append(hiddenLabel(valueId, `Value (${describeType(property)})`), input);
    };
    column.addEventListener('change', () => { refreshOperators(); refreshValue(); this.clearConditionError(row); });
    operator.addEventListener('change', () => { refreshValue(); this.clearConditionError(row); });
    remove.addEventListener('click', () => {
      const rows = [...this.el.filterRows.children];
      const index = rows.indexOf(row);
      row.remove();
      this.renumber();
      const next = this.el.filterRows.children[index] ?? this.el.filterRows.children[index - 1];
      (next?.querySelector('select') ?? this.el.addFilter).focus();
    });

    if (initial.column && properties.some(p => p.name === initial.column)) column.value = initial.column;
    refreshOperators();
    if (initial.operator && [...operator.options].some(o => o.value === initial.operator)) operator.value = initial.operator;
    refreshValue();
    if (initial.value !== undefined) valueSlot.querySelector('input, select').value = initial.value;
    row.conditionOf = () => ({ property: propertyOf(), op: operator.value, input: row.querySelector('.condition-value') });

    this.el.filterRows.append(row);
    this.renumber();
    if (focus) column.focus();
    return row;
  }

  addOrder(focus, initial = {}) {
    const properties = this.sortableProperties();
    const columnId = uid('order-column');
    const directionId = uid('order-direction');
    const column = h('select', { id: columnId, class: 'order-column' }, properties.map(p => h('option', { value: p.name }, p.name)));
    const direction = h('select', { id: directionId, class: 'order-direction' },
      h('option', { value: 'asc' }, 'ascending'), h('option', { value: 'desc' }, 'descending'));
    const remove = h('button', { type: 'button', class: 'remove', title: 'Remove this sort column' }, 'Remove');
    const row = h('div', { class: 'order', role: 'group' },
      h('span', { class: 'condition-fields' }, hiddenLabel(columnId, 'Sort by column'), column, hiddenLabel(directionId, 'Direction'), direction),
      remove);
    remove.addEventListener('click', () => {
      const rows = [...this.el.orderRows.children];
      const index = rows.indexOf(row);
      row.remove();
      this.renumber();
      const next = this.el.orderRows.children[index] ?? this.el.orderRows.children[index - 1];
      (next?.querySelector('select') ?? this.el.addOrder).focus();
    });
    if (initial.column) column.value = initial.column;
    if (initial.desc) direction.value = 'desc';
    this.el.orderRows.append(row);
    this.renumber();
    if (focus) column.focus();
    return row;
  }

  /** Replaces the sort columns: [{name, desc}]. */
  /** Fills the form with a query that ran before (on Back): its whole filter goes into the $filter expression. */
  restore(query) {
    this.el.filterExpression.value = query.filter ?? '';
    this.el.search.value = query.search ?? '';
    this.setOrder(query.orderby ?? []);
    if (query.select?.length) {
      for (const box of this.el.selectList.querySelectorAll('input[type=checkbox]')) box.checked = query.select.includes(box.value);
    }
    this.updateSelectSummary();
  }

  setOrder(orderby) {
    this.el.orderRows.replaceChildren();
    for (const o of orderby) this.addOrder(false, { column: o.name, desc: o.desc });
    this.renumber();
  }

  /** Names each row for screen readers ("Condition 2") and its remove button ("Remove condition 2"). */
  renumber() {
    [...this.el.filterRows.children].forEach((row, i) => {
      row.setAttribute('aria-label', `Condition ${i + 1}`);
      row.querySelector('.remove').setAttribute('aria-label', `Remove condition ${i + 1}`);
    });
    [...this.el.orderRows.children].forEach((row, i) => {
      row.setAttribute('aria-label', `Sort column ${i + 1}`);
      row.querySelector('.remove').setAttribute('aria-label', `Remove sort column ${i + 1}`);
    });
    this.el.orderHint.hidden = this.el.orderRows.children.length > 0;
  }

  setAllColumns(checked) {
    for (const box of this.el.selectList.querySelectorAll('input[type=checkbox]')) box.checked = checked;
    this.updateSelectSummary();
  }

  selectedColumns() {
    return [...this.el.selectList.querySelectorAll('input[type=checkbox]:checked')].map(b => b.value);
  }

  updateSelectSummary() {
    const total = this.set?.properties.length ?? 0;
    const selected = this.selectedColumns().length;
    this.el.selectSummary.textContent = selected === total ? `Columns: all ${total}` : `Columns: ${selected} of ${total}`;
  }

  clearConditionError(row) {
    const error = row.querySelector('.field-error');
    setMessage(error, '');
    row.querySelector('.condition-value')?.removeAttribute('aria-invalid');
    row.classList.remove('invalid');
  }

  clearErrors() {
    for (const row of this.el.filterRows.children) this.clearConditionError(row);
  }

  /**
   * The query the form describes: {query: {filter, search, select, orderby}, errors: [{focus, message}]}.
   * Conditions are combined with 'and', then the extra expression (in parentheses).
   */
  build() {
    const errors = [];
    const terms = [];
    for (const row of this.el.filterRows.children) {
      const { property, op, input } = row.conditionOf();
      const { term, error } = filterTerm(property, op, input?.value ?? '');
      if (error) {
        const message = row.querySelector('.field-error');
        setMessage(message, error);
        input?.setAttribute('aria-invalid', 'true');
        row.classList.add('invalid');
        errors.push({ focus: input ?? row.querySelector('select'), message: `${property.name}: ${error}` });
      } else {
        terms.push(term);
      }
    }
    const expression = this.el.filterExpression.value.trim();
    if (expression) terms.push(terms.length > 0 ? `(${expression})` : expression);
    const select = this.selectedColumns();
    if (select.length === 0) {
      errors.push({ focus: this.el.selectSummary, message: 'Choose at least one column to show.', selectError: true });
    }
    const orderby = [...this.el.orderRows.children].map(row => ({
      name: row.querySelector('.order-column').value,
      desc: row.querySelector('.order-direction').value === 'desc',
    }));
    return {
      query: {
        filter: terms.join(' and '),
        search: this.el.search.value.trim(),
        select: select.length === this.set.properties.length ? [] : select,
        orderby,
      },
      selected: select.length === 0 ? this.set.properties.map(p => p.name) : select,
      errors,
    };
  }

  /** Which part of the form mentions a property (for an error whose target is a property name). */
  sectionUsing(propertyName) {
    const usesInFilter = [...this.el.filterRows.children].some(r => r.querySelector('.condition-column').value === propertyName)
      || new RegExp(`\\b${propertyName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(this.el.filterExpression.value);
    if (usesInFilter) return '$filter';
    if ([...this.el.orderRows.children].some(r => r.querySelector('.order-column').value === propertyName)) return '$orderby';
    return '$select';
  }
}
