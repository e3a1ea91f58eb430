/** The operator console's entry: mounts the app (apps/console/index.html loads this). */
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
