// Boots the embedded GraphiQL page (index.html). Kept in its own file so the page
// works under a Content-Security-Policy without 'unsafe-inline' for scripts.
// Globals React, ReactDOM and GraphiQL come from the UMD bundles loaded before this.
(function () {
  'use strict';

  var DEFAULT_QUERY = [
    '# Welcome to the API explorer.',
    '# Press the run button (or Ctrl-Enter) to send the query.',
    '{',
    '  area(code: "E06000052") {',
    '    name',
    '  }',
    '}',
    ''
  ].join('\n');

  var container = document.getElementById('graphiql');

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    container.textContent = 'GraphiQL failed to load its scripts.';
    return;
  }

  // Same origin as the page: the page itself is served at GET /graphql.
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY
    })
  );
})();
