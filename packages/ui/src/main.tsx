/** @jsxRuntime automatic */
/** Entry point: builds the client for the server that served the page and renders the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, preloadPage } from './app.js';
import { createUiClient, uiBasePath } from './data/client.js';
import { DataProvider } from './data/context.js';
import { parseHash } from './routing.js';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('The page has no #root element');
const data = { client: createUiClient(window.location), prefix: uiBasePath(window.location.pathname) };
// The page of the URL opened is loaded before the first render (see `lazyPage`).
void preloadPage(parseHash(window.location.hash)).then(() =>
  createRoot(root).render(
    <StrictMode>
      <DataProvider value={data}>
        <App />
      </DataProvider>
    </StrictMode>,
  ),
);
