// Loaded as a module file (no inline script under the Content-Security-Policy): browsers that run
// modules get GOV.UK Frontend's enhancements; without JavaScript every page still works.
import { initAll } from '../govuk/govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();
