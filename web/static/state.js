// state.js: the lab's state, its share link and its scenario JSON, under one
// name for the page's modules: the state itself is model.js, the share-link
// query link.js, the scenario JSON scenario.js.

export * from './model.js';
export * from './link.js';
export * from './scenario.js';
