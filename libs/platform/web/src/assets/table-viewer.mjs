// The table viewer of the review workbench: a virtualised grid over the JSON the page ships
// (libs/platform/web/src/grid/grid-payload.ts). Only the rows and columns in view are in the
// DOM, so a table of a million cells stays responsive. Cell text is set with textContent, never
// parsed as HTML. Without this script the page shows its server-rendered preview table instead.

const ROW_HEIGHT = 32;
const COLUMN_WIDTH = 140;
const NUMBER_WIDTH = 72;
const OVERSCAN = 4;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const asNumber = (text) => (NUMBER.test(text.trim()) ? Number(text.trim()) : null);

function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function loadPayload(root) {
  const inline = root.querySelector('script[type="application/json"]');
  if (inline) return JSON.parse(inline.textContent);
  const response = await fetch(root.dataset.gridSrc, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`The table could not be loaded (${response.status}).`);
  return response.json();
}

class TableViewer {
  constructor(root, payload) {
    this.root = root;
    this.data = payload;
    this.rows = payload.rows;
    this.header = payload.header ?? -1;
    this.columns = payload.columns;
    this.labels = this.header >= 0 ? this.rows[this.header] : [];
    this.marks = new Map();
    for (const [row, column, findings] of payload.marks) this.marks.set(row * this.columns + column, findings);
    this.markedRows = new Set(payload.marks.map(([row]) => row));
    this.sort = null;
    this.filter = '';
    this.onlyFlagged = false;
    this.active = { view: 0, column: 0 };
    this.build();
    this.applyView();
  }

  build() {
    const root = this.root;
    root.querySelector('.app-table-preview')?.setAttribute('hidden', '');
    const tools = el('div', { class: 'app-grid-tools' });
    const filterId = `${root.id}-filter`;
    const filterGroup = el('div', { class: 'govuk-form-group app-grid-tools__item' });
    filterGroup.append(el('label', { class: 'govuk-label', for: filterId }, 'Show rows containing'));
    this.filterInput = el('input', { class: 'govuk-input govuk-input--width-20', id: filterId, type: 'search', autocomplete: 'off' });
    filterGroup.append(this.filterInput);
    const flaggedId = `${root.id}-flagged`;
    const flaggedGroup = el('div', { class: 'govuk-checkboxes govuk-checkboxes--small app-grid-tools__item' });
    const flaggedItem = el('div', { class: 'govuk-checkboxes__item' });
    this.flaggedInput = el('input', { class: 'govuk-checkboxes__input', id: flaggedId, type: 'checkbox' });
    flaggedItem.append(this.flaggedInput, el('label', { class: 'govuk-label govuk-checkboxes__label', for: flaggedId }, 'Only rows with flagged cells'));
    flaggedGroup.append(flaggedItem);
    const navigation = el('div', { class: 'govuk-button-group app-grid-tools__item' });
    this.previousButton = el('button', { type: 'button', class: 'govuk-button govuk-button--secondary', 'data-module': 'none' }, 'Previous flagged cell');
    this.nextButton = el('button', { type: 'button', class: 'govuk-button govuk-button--secondary', 'data-module': 'none' }, 'Next flagged cell');
    navigation.append(this.previousButton, this.nextButton);
    tools.append(filterGroup, flaggedGroup, navigation);

    this.status = el('p', { class: 'govuk-body-s app-grid-status', role: 'status' });
    this.viewport = el('div', {
      class: 'app-grid',
      role: 'grid',
      'aria-label': root.dataset.gridLabel ?? 'Table',
      'aria-colcount': String(this.columns + 1),
      'aria-describedby': `${root.id}-help`,
    });
    const help = el(
      'p',
      { class: 'govuk-body-s', id: `${root.id}-help` },
      'Arrow keys, Page Up, Page Down, Home and End move between cells. N moves to the next flagged cell and P to the previous one.',
    );
    this.canvas = el('div', { class: 'app-grid__canvas' });
    this.viewport.append(this.canvas);
    this.details = el('div', { class: 'app-grid-details', 'aria-live': 'polite' });
    root.append(tools, help, this.status, this.viewport, this.details);

    this.filterInput.addEventListener('input', () => {
      this.filter = this.filterInput.value.toLowerCase();
      this.applyView();
    });
    this.flaggedInput.addEventListener('change', () => {
      this.onlyFlagged = this.flaggedInput.checked;
      this.applyView();
    });
    this.previousButton.addEventListener('click', () => this.jump(-1));
    this.nextButton.addEventListener('click', () => this.jump(1));
    let pending = false;
    this.viewport.addEventListener('scroll', () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.render();
      });
    });
    this.viewport.addEventListener('keydown', (event) => this.onKey(event));
    this.viewport.addEventListener('click', (event) => {
      const cell = event.target.closest('[data-view]');
      if (cell) this.activate(Number(cell.dataset.view), Number(cell.dataset.column), true);
      const sortButton = event.target.closest('button[data-sort]');
      if (sortButton) this.toggleSort(Number(sortButton.dataset.sort));
    });
    // The findings panel's links (#cell-r-c) move the grid to the cell instead of the preview's anchor.
    document.addEventListener('click', (event) => {
      const link = event.target.closest('a[data-cell]');
      if (!link || (!this.root.contains(link) && !document.querySelector(`[data-grid-for="${this.root.id}"]`)?.contains(link))) return;
      event.preventDefault();
      const [row, column] = link.dataset.cell.split(',').map(Number);
      this.focusGridCell(row, column);
    });
    window.addEventListener('resize', () => this.render());
  }

  /** The body rows in view order: every row but the header, filtered, then sorted. */
  applyView() {
    let order = [];
    for (let r = 0; r < this.rows.length; r++) if (r !== this.header) order.push(r);
    if (this.filter) order = order.filter((r) => this.rows[r].some((cell) => cell.toLowerCase().includes(this.filter)));
    if (this.onlyFlagged) order = order.filter((r) => this.markedRows.has(r));
    if (this.sort) {
      const { column, direction } = this.sort;
      const collator = new Intl.Collator(undefined, { numeric: true });
      order.sort((a, b) => {
        const x = this.rows[a][column] ?? '';
        const y = this.rows[b][column] ?? '';
        const nx = asNumber(x);
        const ny = asNumber(y);
        const compared = nx !== null && ny !== null ? nx - ny : collator.compare(x, y);
        return direction * compared || a - b;
      });
    }
    this.order = order;
    this.positionOf = new Map(order.map((r, i) => [r, i]));
    this.flagged = [];
    for (const [i, r] of order.entries()) for (let c = 0; c < this.columns; c++) if (this.marks.has(r * this.columns + c)) this.flagged.push([i, c]);
    this.viewport.setAttribute('aria-rowcount', String(order.length + 1));
    this.canvas.style.height = `${(order.length + 1) * ROW_HEIGHT}px`;
    this.canvas.style.width = `${NUMBER_WIDTH + this.columns * COLUMN_WIDTH}px`;
    const shown = `${order.length.toLocaleString()} of ${(this.rows.length - (this.header >= 0 ? 1 : 0)).toLocaleString()} rows`;
    const flags = `${this.flagged.length.toLocaleString()} flagged cells shown`;
    this.status.textContent = `${shown}; ${flags}.${this.data.truncated ? ' The table is cut: it is too large to show whole.' : ''}`;
    this.active = { view: Math.min(this.active.view, Math.max(order.length - 1, 0)), column: this.active.column };
    this.render();
    this.describe();
  }

  toggleSort(column) {
    const current = this.sort?.column === column ? this.sort.direction : 0;
    const direction = current === 0 ? 1 : current === 1 ? -1 : 0;
    this.sort = direction === 0 ? null : { column, direction };
    this.applyView();
    this.viewport.querySelector(`button[data-sort="${column}"]`)?.focus();
  }

  render() {
    const { scrollTop, scrollLeft, clientHeight, clientWidth } = this.viewport;
    const firstRow = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
    const lastRow = Math.min(this.order.length, Math.ceil((scrollTop + clientHeight) / ROW_HEIGHT) + OVERSCAN);
    const firstColumn = Math.max(0, Math.floor((scrollLeft - NUMBER_WIDTH) / COLUMN_WIDTH) - 1);
    const lastColumn = Math.min(this.columns, Math.ceil((scrollLeft + clientWidth) / COLUMN_WIDTH) + 1);
    const hadFocus = this.viewport.contains(document.activeElement) && document.activeElement.matches('[data-view]');
    const fragment = document.createDocumentFragment();

    const headerRow = el('div', { role: 'row', 'aria-rowindex': '1', class: 'app-grid__row app-grid__row--header' });
    const corner = el('div', { role: 'columnheader', 'aria-colindex': '1', class: 'app-grid__cell app-grid__corner' }, 'Row');
    this.place(corner, scrollTop, scrollLeft, NUMBER_WIDTH);
    headerRow.append(corner);
    for (let c = firstColumn; c < lastColumn; c++) {
      const sorted = this.sort?.column === c ? (this.sort.direction === 1 ? 'ascending' : 'descending') : 'none';
      const cell = el('div', { role: 'columnheader', 'aria-colindex': String(c + 2), 'aria-sort': sorted, class: 'app-grid__cell app-grid__heading' });
      const button = el('button', { type: 'button', class: 'app-grid__sort', 'data-sort': String(c) }, this.labels[c] ?? `Column ${c + 1}`);
      button.setAttribute('aria-label', `${this.labels[c] || `Column ${c + 1}`}: sort`);
      cell.append(button);
      this.place(cell, scrollTop, NUMBER_WIDTH + c * COLUMN_WIDTH, COLUMN_WIDTH);
      headerRow.append(cell);
    }
    fragment.append(headerRow);

    for (let i = firstRow; i < lastRow; i++) {
      const r = this.order[i];
      const top = (i + 1) * ROW_HEIGHT;
      const row = el('div', { role: 'row', 'aria-rowindex': String(i + 2), class: 'app-grid__row' });
      const number = el('div', { role: 'rowheader', 'aria-colindex': '1', class: 'app-grid__cell app-grid__number' }, String(r + 1));
      this.place(number, top, scrollLeft, NUMBER_WIDTH);
      row.append(number);
      for (let c = firstColumn; c < lastColumn; c++) row.append(this.cell(i, r, c, top));
      fragment.append(row);
    }
    this.canvas.replaceChildren(fragment);
    if (hadFocus) this.activeElement()?.focus({ preventScroll: true });
  }

  cell(i, r, c, top) {
    const findings = this.marks.get(r * this.columns + c);
    const isActive = this.active.view === i && this.active.column === c;
    const verdict = findings?.some((f) => this.data.findings[f].verdict === 'fail') ? 'fail' : findings ? 'review' : null;
    const cell = el('div', {
      role: 'gridcell',
      id: `${this.root.id}-cell-${r}-${c}`,
      'aria-colindex': String(c + 2),
      tabindex: isActive ? '0' : '-1',
      'data-view': String(i),
      'data-column': String(c),
      class: `app-grid__cell${verdict ? ` app-grid__cell--${verdict}` : ''}${isActive ? ' app-grid__cell--active' : ''}`,
    });
    const value = this.rows[r][c] ?? '';
    if (asNumber(value) !== null) cell.classList.add('app-grid__cell--numeric');
    if (verdict) {
      cell.append(el('span', { class: 'app-grid__flag', 'aria-hidden': 'true' }, verdict === 'fail' ? '⚠' : '?'));
      cell.append(el('span', { class: 'govuk-visually-hidden' }, `Flagged (${findings.map((f) => this.data.findings[f].rule).join(', ')}): `));
    }
    cell.append(el('span', { class: 'app-grid__value' }, value));
    // The tooltip names each finding's rule, its message and the policy it applied (the details panel says the same for keyboard users).
    const tips = (findings ?? []).map((f) => {
      const finding = this.data.findings[f];
      const parameters = Object.entries(finding.parameters)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      return `${finding.verdict === 'fail' ? '⚠' : '?'} ${finding.rule}: ${finding.message}${parameters ? ` (policy: ${parameters})` : ''}`;
    });
    cell.title = [value.length > 18 ? value : '', ...tips].filter(Boolean).join('\n');
    this.place(cell, top, NUMBER_WIDTH + c * COLUMN_WIDTH, COLUMN_WIDTH);
    return cell;
  }

  place(node, top, left, width) {
    node.style.top = `${top}px`;
    node.style.left = `${left}px`;
    node.style.width = `${width}px`;
  }

  activeElement() {
    const r = this.order[this.active.view];
    return r === undefined ? null : document.getElementById(`${this.root.id}-cell-${r}-${this.active.column}`);
  }

  /** Makes a cell active, scrolls it into view and (when asked) moves focus to it. */
  activate(view, column, focus) {
    if (this.order.length === 0) return;
    this.active = { view: Math.max(0, Math.min(view, this.order.length - 1)), column: Math.max(0, Math.min(column, this.columns - 1)) };
    const top = (this.active.view + 1) * ROW_HEIGHT;
    const left = NUMBER_WIDTH + this.active.column * COLUMN_WIDTH;
    const vp = this.viewport;
    if (top - ROW_HEIGHT < vp.scrollTop) vp.scrollTop = top - ROW_HEIGHT;
    else if (top + ROW_HEIGHT > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_HEIGHT - vp.clientHeight;
    if (left - NUMBER_WIDTH < vp.scrollLeft) vp.scrollLeft = left - NUMBER_WIDTH;
    else if (left + COLUMN_WIDTH > vp.scrollLeft + vp.clientWidth) vp.scrollLeft = left + COLUMN_WIDTH - vp.clientWidth;
    this.render();
    if (focus) this.activeElement()?.focus({ preventScroll: true });
    this.describe();
  }

  /** Moves to the flagged cell with grid coordinates (row, column), clearing a filter that hides it. */
  focusGridCell(row, column) {
    if (!this.positionOf.has(row)) {
      this.filterInput.value = '';
      this.flaggedInput.checked = false;
      this.filter = '';
      this.onlyFlagged = false;
      this.applyView();
    }
    const view = this.positionOf.get(row);
    if (view !== undefined) this.activate(view, column, true);
  }

  jump(step) {
    if (this.flagged.length === 0) {
      this.status.textContent = 'No flagged cells in the rows shown.';
      return;
    }
    const { view, column } = this.active;
    const after = (f) => f[0] > view || (f[0] === view && f[1] > column);
    const before = (f) => f[0] < view || (f[0] === view && f[1] < column);
    const target = step > 0 ? (this.flagged.find(after) ?? this.flagged[0]) : (this.flagged.findLast(before) ?? this.flagged[this.flagged.length - 1]);
    this.activate(target[0], target[1], true);
  }

  onKey(event) {
    if (!event.target.matches('[data-view]')) return;
    const { view, column } = this.active;
    const page = Math.max(1, Math.floor(this.viewport.clientHeight / ROW_HEIGHT) - 1);
    const moves = {
      ArrowDown: [view + 1, column],
      ArrowUp: [view - 1, column],
      ArrowRight: [view, column + 1],
      ArrowLeft: [view, column - 1],
      PageDown: [view + page, column],
      PageUp: [view - page, column],
      Home: event.ctrlKey ? [0, 0] : [view, 0],
      End: event.ctrlKey ? [this.order.length - 1, this.columns - 1] : [view, this.columns - 1],
    };
    if (moves[event.key]) {
      event.preventDefault();
      this.activate(moves[event.key][0], moves[event.key][1], true);
    } else if ((event.key === 'n' || event.key === 'p') && !event.ctrlKey && !event.metaKey && !event.altKey) {
      // Single-key shortcuts act only while the grid has focus (WCAG 2.1.4).
      event.preventDefault();
      this.jump(event.key === 'n' ? 1 : -1);
    }
  }

  /** The details of the active cell: its place, value, findings with rule, parameters and reason; its column's statistics. */
  describe() {
    const r = this.order[this.active.view];
    const c = this.active.column;
    const details = [];
    if (r === undefined) {
      this.details.replaceChildren(el('p', { class: 'govuk-body' }, 'No rows match.'));
      return;
    }
    const label = this.labels[c] || `column ${c + 1}`;
    details.push(el('h3', { class: 'govuk-heading-s' }, `Row ${r + 1}, ${label}`));
    details.push(el('p', { class: 'govuk-body app-grid-details__value' }, this.rows[r][c] ?? ''));
    const findings = this.marks.get(r * this.columns + c) ?? [];
    if (findings.length > 0) {
      const list = el('ul', { class: 'govuk-list app-grid-details__findings' });
      for (const f of findings) {
        const finding = this.data.findings[f];
        const item = el('li');
        item.append(el('strong', { class: `govuk-tag app-verdict app-verdict--${finding.verdict}` }, `${finding.verdict === 'fail' ? '⚠ Fail' : '? Review'}`));
        item.append(document.createTextNode(` ${finding.rule}: ${finding.message}`));
        const parameters = Object.entries(finding.parameters);
        if (parameters.length > 0)
          item.append(el('span', { class: 'govuk-body-s app-grid-details__parameters' }, ` (policy: ${parameters.map(([k, v]) => `${k} ${v}`).join(', ')})`));
        list.append(item);
      }
      details.push(list);
    } else {
      details.push(el('p', { class: 'govuk-body-s' }, 'No automated finding on this cell.'));
    }
    const stats = this.data.stats[c];
    if (stats) {
      const summary = el('dl', { class: 'govuk-summary-list govuk-summary-list--no-border app-grid-details__stats' });
      const rows = [
        ['Numbers in column', stats.count],
        ['Sum', Number.isInteger(stats.sum) ? stats.sum : stats.sum.toFixed(4)],
        ['Smallest non-zero', stats.minNonZero ?? '—'],
        ['Divisible by 5', stats.divisibleBy5],
        ['Divisible by 10', stats.divisibleBy10],
      ];
      for (const [key, value] of rows) {
        const line = el('div', { class: 'govuk-summary-list__row' });
        line.append(el('dt', { class: 'govuk-summary-list__key' }, key), el('dd', { class: 'govuk-summary-list__value' }, String(value)));
        summary.append(line);
      }
      details.push(el('h3', { class: 'govuk-heading-s' }, `Column statistics: ${label}`), summary);
    }
    this.details.replaceChildren(...details);
  }
}

for (const root of document.querySelectorAll('[data-table-viewer]')) {
  loadPayload(root)
    .then((payload) => {
      root.viewer = new TableViewer(root, payload);
      root.setAttribute('data-ready', 'true');
    })
    .catch((error) => {
      root.append(el('p', { class: 'govuk-error-message' }, error.message));
    });
}
