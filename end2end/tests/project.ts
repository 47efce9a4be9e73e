/** The site's title (`app/src/project.rs`): the home page's heading, every tab's title. */
export const TITLE = "Mizan";
