import { useEscape } from "./a11y/useEscape";
import { useReturnFocus } from "./a11y/useReturnFocus";
import { useState } from "react";
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Dropdown,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Option,
  tokens,
} from "@fluentui/react-components";
import { ipc, type ApiError, type Cloud, type SessionView } from "../ipc";

const useStyles = makeStyles({ stack: { display: "grid", gap: tokens.spacingVerticalM } });

type CloudKind = Cloud["kind"];
const clouds: { kind: CloudKind; label: string }[] = [
  { kind: "global", label: "Global (microsoft.com)" },
  { kind: "usGovHigh", label: "US Government GCC High" },
  { kind: "usGovDod", label: "US Government DoD" },
  { kind: "china", label: "China (21Vianet)" },
  { kind: "custom", label: "Custom endpoints" },
];

export function AddProfileDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (session: SessionView) => void;
}) {
  const styles = useStyles();
  useReturnFocus(open);
  useEscape(open, onClose);
  const [name, setName] = useState("");
  const [tenant, setTenant] = useState("");
  const [clientId, setClientId] = useState("");
  const [cloudKind, setCloudKind] = useState<CloudKind>("global");
  const [authorityHost, setAuthorityHost] = useState("");
  const [graphBaseUrl, setGraphBaseUrl] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);

  const cloud = (): Cloud =>
    cloudKind === "custom" ? { kind: "custom", authorityHost, graphBaseUrl } : ({ kind: cloudKind } as Cloud);

  const save = async () => {
    setSaving(true);
    try {
      const session = await ipc.createProfile({ name, tenant, clientId, cloud: cloud() });
      setError(null);
      onCreated(session);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(_, d) => !d.open && onClose()}>
      <DialogSurface data-testid="add-profile-dialog">
        <DialogBody>
          <DialogTitle>Add a tenant</DialogTitle>
          <DialogContent className={styles.stack}>
            <Field label="Name" hint="How this tenant appears in BotDeck, e.g. Contoso production." required>
              <Input value={name} onChange={(_, d) => setName(d.value)} data-testid="profile-name" />
            </Field>
            <Field label="Tenant" hint="Tenant id (GUID) or a verified domain such as contoso.onmicrosoft.com." required>
              <Input value={tenant} onChange={(_, d) => setTenant(d.value)} data-testid="profile-tenant" />
            </Field>
            <Field label="Cloud">
              <Dropdown
                value={clouds.find((c) => c.kind === cloudKind)?.label}
                selectedOptions={[cloudKind]}
                onOptionSelect={(_, d) => setCloudKind(d.optionValue as CloudKind)}
              >
                {clouds.map((c) => (
                  <Option key={c.kind} value={c.kind}>
                    {c.label}
                  </Option>
                ))}
              </Dropdown>
            </Field>
            {cloudKind === "custom" && (
              <>
                <Field label="Authority host" hint="e.g. https://login.microsoftonline.com">
                  <Input value={authorityHost} onChange={(_, d) => setAuthorityHost(d.value)} />
                </Field>
                <Field label="Graph base URL" hint="e.g. https://graph.microsoft.com/v1.0">
                  <Input value={graphBaseUrl} onChange={(_, d) => setGraphBaseUrl(d.value)} />
                </Field>
              </>
            )}
            <Field
              label="Application (client) id"
              hint="Your public-client app registration for BotDeck (see the README)."
              required
            >
              <Input value={clientId} onChange={(_, d) => setClientId(d.value)} data-testid="profile-client-id" />
            </Field>
            {error && (
              <MessageBar intent="error" data-testid="add-profile-error">
                <MessageBarBody>{error.message}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={onClose}>
              Cancel
            </Button>
            <Button appearance="primary" onClick={() => void save()} disabled={saving} data-testid="add-profile-save">
              Add tenant
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
