import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from "react";
import { Field, makeStyles, Textarea, tokens } from "@fluentui/react-components";
import type { Finding } from "../../ipc/package";

const useStyles = makeStyles({
  text: {
    width: "100%",
    "& textarea": {
      fontFamily: tokens.fontFamilyMonospace,
      fontSize: tokens.fontSizeBase200,
      lineHeight: tokens.lineHeightBase300,
      minHeight: "560px",
      whiteSpace: "pre",
      overflowWrap: "normal",
      overflowX: "auto",
      tabSize: 2,
    },
  },
});

export const JSON_DEBOUNCE_MS = 600;

export interface ManifestJsonHandle {
  /** Focuses the editor, with the caret at the start of `line` (1-based) when given. */
  focusLine: (line: number | null) => void;
}

/**
 * manifest.json as text, editable. What the admin types is sent as is after a pause; when it
 * is not valid JSON the findings say where (BD-JSON-003 with line and column), and the form
 * waits until it is.
 */
export const ManifestJson = forwardRef<ManifestJsonHandle, { text: string; findings: Finding[]; onChange: (text: string) => void }>(
  function ManifestJson({ text, findings, onChange }, ref) {
    const styles = useStyles();
    const [draft, setDraft] = useState(text);
    const focused = useRef(false);
    const area = useRef<HTMLTextAreaElement>(null);
    const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
    const pending = useRef<string | null>(null);

    useEffect(() => {
      if (!focused.current) setDraft(text);
    }, [text]);
    useEffect(() => () => {
      if (timer.current) clearTimeout(timer.current);
    }, []);

    useImperativeHandle(ref, () => ({
      focusLine(line) {
        const el = area.current;
        if (!el) return;
        el.scrollIntoView({ block: "center" });
        el.focus();
        if (line != null && line > 0) {
          const lines = el.value.split("\n");
          const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
          const end = start + (lines[line - 1]?.length ?? 0);
          el.setSelectionRange(start, end);
          // Roughly centre the line: the textarea scrolls itself, the caret alone does not.
          const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
          el.scrollTop = Math.max(0, (line - 8) * lineHeight);
        }
      },
    }));

    const flush = () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      if (pending.current === null) return;
      const next = pending.current;
      pending.current = null;
      onChange(next);
    };

    const syntax = findings.find((f) => f.file === "manifest.json" && f.code.startsWith("BD-JSON-"));
    return (
      <Field
        label="manifest.json"
        validationState={syntax ? "error" : "none"}
        validationMessage={syntax ? `${syntax.code}: ${syntax.message}${syntax.line != null ? ` (line ${syntax.line}, column ${syntax.column ?? "?"})` : ""}` : undefined}
        hint="Edit here or in the form; both stay in step. BotDeck rewrites the file canonically (2-space JSON) after a form edit."
      >
        <Textarea
          ref={area}
          className={styles.text}
          value={draft}
          spellCheck={false}
          resize="vertical"
          data-testid="manifest-json"
          aria-label="manifest.json text"
          onFocus={() => {
            focused.current = true;
          }}
          onBlur={() => {
            focused.current = false;
            flush();
          }}
          onChange={(_, d) => {
            setDraft(d.value);
            pending.current = d.value;
            if (timer.current) clearTimeout(timer.current);
            timer.current = setTimeout(flush, JSON_DEBOUNCE_MS);
          }}
        />
      </Field>
    );
  },
);
