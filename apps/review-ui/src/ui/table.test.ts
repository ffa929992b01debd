import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Table } from './Table';

describe('Table', () => {
  it('renders the header row from the columns and the rows as the body', () => {
    const row = createElement('tr', { key: 'r' }, createElement('td', null, 'a'));
    const html = renderToStaticMarkup(
      createElement(Table, {
        testId: 'users-table',
        columns: ['User', { label: 'Size', className: 'num' }, ''],
        children: [row],
      }),
    );
    expect(html).toBe(
      '<table class="table" data-testid="users-table"><thead><tr><th>User</th><th class="num">Size</th><th></th></tr></thead>' +
        '<tbody><tr><td>a</td></tr></tbody></table>',
    );
  });

  it('leaves data-testid out without a testId', () => {
    expect(renderToStaticMarkup(createElement(Table, { columns: ['A'], children: null }))).toBe(
      '<table class="table"><thead><tr><th>A</th></tr></thead><tbody></tbody></table>',
    );
  });
});
