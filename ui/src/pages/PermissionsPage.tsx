import { PlannedPage } from "./PlannedPage";

export function PermissionsPage() {
  return <PlannedPage page="permissions" />;
}
