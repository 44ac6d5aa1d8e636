import { render } from 'preact';
import { App } from './views/app.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);
