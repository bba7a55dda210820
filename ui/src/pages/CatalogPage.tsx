import { PlannedPage } from "./PlannedPage";

export function CatalogPage() {
  return <PlannedPage page="catalog" />;
}
