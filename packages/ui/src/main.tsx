/** @jsxRuntime automatic */
/** Entry point: builds the client for the server that served the page and renders the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { createUiClient, uiBasePath } from './data/client.js';
import { DataProvider } from './data/context.js';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('The page has no #root element');
const data = { client: createUiClient(window.location), prefix: uiBasePath(window.location.pathname) };
createRoot(root).render(
  <StrictMode>
    <DataProvider value={data}>
      <App />
    </DataProvider>
  </StrictMode>,
);
