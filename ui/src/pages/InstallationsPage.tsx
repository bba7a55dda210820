import { PlannedPage } from "./PlannedPage";

export function InstallationsPage() {
  return <PlannedPage page="installations" />;
}
