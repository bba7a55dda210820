import {
  Button,
  Checkbox,
  Dropdown,
  Field,
  makeStyles,
  Option,
  Text,
  tokens,
} from "@fluentui/react-components";
import { AddRegular, DeleteRegular } from "@fluentui/react-icons";
import type { Finding, ManifestEdit, ManifestForm } from "../../ipc/package";
import { findingsAt, PointerField } from "./PointerField";

const useStyles = makeStyles({
  form: { display: "grid", gap: tokens.spacingVerticalL },
  section: {
    display: "grid",
    gap: tokens.spacingVerticalS,
    paddingBottom: tokens.spacingVerticalM,
    borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  two: { display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(220px, 1fr))", gap: tokens.spacingHorizontalM },
  list: {
    display: "grid",
    gap: tokens.spacingVerticalS,
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground3,
  },
  command: { display: "grid", gridTemplateColumns: "minmax(120px, 1fr) minmax(200px, 2fr) auto", gap: tokens.spacingHorizontalS, alignItems: "end" },
  row: { display: "grid", gridTemplateColumns: "1fr auto", gap: tokens.spacingHorizontalS, alignItems: "end" },
  rsc: { display: "grid", gridTemplateColumns: "2fr 1fr auto", gap: tokens.spacingHorizontalS, alignItems: "end" },
  scopes: { display: "flex", gap: tokens.spacingHorizontalM, flexWrap: "wrap" },
  swatch: {
    width: "16px",
    height: "16px",
    borderRadius: tokens.borderRadiusSmall,
    border: `1px solid ${tokens.colorNeutralStroke1}`,
  },
  problem: { color: tokens.colorPaletteRedForeground1, fontSize: tokens.fontSizeBase200 },
});

const BOT_SCOPES = ["team", "groupChat", "personal"];

export interface ManifestEditorProps {
  form: ManifestForm;
  findings: Finding[];
  onEdits: (edits: ManifestEdit[]) => void;
}

/** The fields an admin edits, each bound to its JSON Pointer (the findings use the same). */
export function ManifestEditor({ form, findings, onEdits }: ManifestEditorProps) {
  const styles = useStyles();
  const edit = (pointer: string, value: unknown) => onEdits([{ pointer, value }]);
  const field = (pointer: string, label: string, value: string, extra: Partial<React.ComponentProps<typeof PointerField>> = {}) => (
    <PointerField pointer={pointer} label={label} value={value} findings={findings} onEdit={edit} {...extra} />
  );
  const scopeProblems = (pointer: string) =>
    findingsAt(findings, pointer).map((f) => (
      <Text key={`${f.code}${f.path}`} className={styles.problem}>
        {f.code}: {f.message}
      </Text>
    ));
  const toggle = (list: string[], scope: string, on: boolean) =>
    on ? [...list.filter((s) => s !== scope), scope] : list.filter((s) => s !== scope);
  const hasBot = form.botId !== null;
  const rscBase = "/authorization/permissions/resourceSpecific";

  return (
    <div className={styles.form} data-testid="manifest-form">
      <section className={styles.section} aria-label="Names">
        <Text weight="semibold">Names and descriptions</Text>
        <div className={styles.two}>
          {field("/name/short", "Short name", form.shortName, { maxLength: 30 })}
          {field("/name/full", "Full name", form.fullName, { optional: true, maxLength: 100 })}
        </div>
        {field("/description/short", "Short description", form.shortDescription, { maxLength: 80 })}
        {field("/description/full", "Full description", form.fullDescription, { multiline: true, maxLength: 4000 })}
      </section>

      <section className={styles.section} aria-label="Developer">
        <Text weight="semibold">Developer</Text>
        <div className={styles.two}>
          {field("/developer/name", "Name", form.developerName)}
          {field("/developer/websiteUrl", "Website (https)", form.websiteUrl)}
          {field("/developer/privacyUrl", "Privacy statement (https)", form.privacyUrl)}
          {field("/developer/termsOfUseUrl", "Terms of use (https)", form.termsOfUseUrl)}
        </div>
      </section>

      <section className={styles.section} aria-label="App">
        <Text weight="semibold">App</Text>
        <div className={styles.two}>
          {field("/version", "Version (MAJOR.MINOR.PATCH)", form.version)}
          {field("/accentColor", "Accent colour (#RRGGBB)", form.accentColor, {
            contentBefore: <span className={styles.swatch} style={{ backgroundColor: /^#[0-9a-fA-F]{6}$/.test(form.accentColor) ? form.accentColor : "transparent" }} aria-hidden />,
          })}
          {field("/manifestVersion", "Manifest schema version", form.manifestVersion, { hint: "Any version Teams accepts: 1.0 to 1.30 (there is no 1.18); newest 1.30" })}
        </div>
      </section>

      <section className={styles.section} aria-label="Bot">
        <Text weight="semibold">Bot</Text>
        {!hasBot ? (
          <Button
            icon={<AddRegular />}
            onClick={() => edit("/bots", [{ botId: "00000000-0000-0000-0000-000000000000", scopes: ["personal"] }])}
          >
            Add a bot
          </Button>
        ) : (
          <>
            {field("/bots/0/botId", "Bot ID (Microsoft App ID of the Azure Bot)", form.botId ?? "")}
            <Field label="Bot scopes">
              <div className={styles.scopes} data-pointer="/bots/0/scopes" tabIndex={-1}>
                {BOT_SCOPES.map((scope) => (
                  <Checkbox
                    key={scope}
                    label={scope}
                    checked={form.botScopes.includes(scope)}
                    onChange={(_, d) => edit("/bots/0/scopes", toggle(form.botScopes, scope, !!d.checked))}
                    data-testid={`bot-scope-${scope}`}
                  />
                ))}
              </div>
              {scopeProblems("/bots/0/scopes")}
            </Field>
            <Text>Command lists (the title is what Teams inserts; put arguments in the description)</Text>
            {form.commandLists.map((list, li) => {
              const base = `/bots/0/commandLists/${li}`;
              return (
                <div key={li} className={styles.list} data-pointer={base} tabIndex={-1} data-testid={`command-list-${li}`}>
                  <div className={styles.scopes} data-pointer={`${base}/scopes`} tabIndex={-1}>
                    <Text size={200}>Scopes:</Text>
                    {BOT_SCOPES.map((scope) => (
                      <Checkbox
                        key={scope}
                        label={scope}
                        checked={list.scopes.includes(scope)}
                        onChange={(_, d) => edit(`${base}/scopes`, toggle(list.scopes, scope, !!d.checked))}
                      />
                    ))}
                  </div>
                  {scopeProblems(`${base}/scopes`)}
                  {list.commands.map((c, ci) => (
                    <div key={ci} className={styles.command}>
                      {field(`${base}/commands/${ci}/title`, "Title", c.title)}
                      {field(`${base}/commands/${ci}/description`, "Description", c.description)}
                      <Button
                        icon={<DeleteRegular />}
                        aria-label={`Remove command ${c.title}`}
                        onClick={() => edit(`${base}/commands/${ci}`, undefined)}
                      />
                    </div>
                  ))}
                  {findings
                    .filter((f) => f.file === "manifest.json" && f.path === `${base}/commands`)
                    .map((f) => (
                      <Text key={f.code} className={styles.problem}>
                        {f.code}: {f.message}
                      </Text>
                    ))}
                  <div>
                    <Button size="small" icon={<AddRegular />} onClick={() => edit(`${base}/commands/-`, { title: "", description: "" })}>
                      Add command
                    </Button>
                  </div>
                </div>
              );
            })}
            <div>
              <Button
                size="small"
                icon={<AddRegular />}
                onClick={() =>
                  form.commandLists.length === 0
                    ? edit("/bots/0/commandLists", [{ scopes: ["personal"], commands: [] }])
                    : edit("/bots/0/commandLists/-", { scopes: ["personal"], commands: [] })
                }
              >
                Add command list
              </Button>
            </div>
          </>
        )}
      </section>

      <section className={styles.section} aria-label="Valid domains">
        <Text weight="semibold">Valid domains</Text>
        {form.validDomains.map((d, i) => (
          <div key={i} className={styles.row}>
            {field(`/validDomains/${i}`, `Domain ${i + 1}`, d)}
            <Button
              icon={<DeleteRegular />}
              aria-label={`Remove domain ${d}`}
              onClick={() => edit("/validDomains", form.validDomains.filter((_, j) => j !== i))}
            />
          </div>
        ))}
        <div>
          <Button size="small" icon={<AddRegular />} onClick={() => edit("/validDomains", [...form.validDomains, ""])}>
            Add domain
          </Button>
        </div>
      </section>

      <section className={styles.section} aria-label="Resource-specific consent">
        <Text weight="semibold">Resource-specific consent (RSC) permissions</Text>
        {form.rscPermissions.map((p, i) => (
          <div key={i} className={styles.rsc}>
            {field(`${rscBase}/${i}/name`, "Permission", p.name, { placeholder: "ChannelMessage.Read.Group" })}
            <Field label="Type">
              <Dropdown
                value={p.type}
                selectedOptions={[p.type]}
                onOptionSelect={(_, d) => edit(`${rscBase}/${i}/type`, d.optionValue)}
                data-pointer={`${rscBase}/${i}/type`}
              >
                <Option value="Application">Application</Option>
                <Option value="Delegated">Delegated</Option>
              </Dropdown>
            </Field>
            <Button icon={<DeleteRegular />} aria-label={`Remove permission ${p.name}`} onClick={() => edit(`${rscBase}/${i}`, undefined)} />
          </div>
        ))}
        {form.rscPermissions.length > 0 && form.webApplicationId === null && (
          <Text className={styles.problem}>RSC permissions need webApplicationInfo (usually the bot ID):</Text>
        )}
        <div style={{ display: "flex", gap: tokens.spacingHorizontalS, flexWrap: "wrap" }}>
          <Button
            size="small"
            icon={<AddRegular />}
            onClick={() =>
              form.rscPermissions.length === 0
                ? edit(rscBase, [{ name: "", type: "Application" }])
                : edit(`${rscBase}/-`, { name: "", type: "Application" })
            }
          >
            Add permission
          </Button>
          {form.rscPermissions.length > 0 && form.webApplicationId === null && hasBot && (
            <Button
              size="small"
              onClick={() => edit("/webApplicationInfo", { id: form.botId, resource: `api://botid-${form.botId}` })}
            >
              Add webApplicationInfo from the bot ID
            </Button>
          )}
        </div>
      </section>
    </div>
  );
}
