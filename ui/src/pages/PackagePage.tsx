import { PlannedPage } from "./PlannedPage";

export function PackagePage() {
  return <PlannedPage page="package" />;
}
