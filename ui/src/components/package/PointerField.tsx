import { useEffect, useRef, useState } from "react";
import { Field, Input, Textarea } from "@fluentui/react-components";
import type { Finding } from "../../ipc/package";

/** How long typing pauses before the edit is sent (and the package re-validated). */
export const EDIT_DEBOUNCE_MS = 350;

/** Findings whose path is this pointer or inside it (manifest.json only). */
export function findingsAt(findings: Finding[], pointer: string) {
  return findings.filter((f) => f.file === "manifest.json" && (f.path === pointer || f.path.startsWith(`${pointer}/`)));
}

export interface PointerFieldProps {
  pointer: string;
  label: string;
  value: string;
  findings: Finding[];
  onEdit: (pointer: string, value: string | undefined) => void;
  /** An optional field: clearing it removes the key instead of writing "". */
  optional?: boolean;
  multiline?: boolean;
  hint?: string;
  placeholder?: string;
  ariaLabel?: string;
  contentBefore?: JSX.Element;
  /** The manifest schema's limit in characters: a live counter, and "too long" at once. */
  maxLength?: number;
}

/**
 * A text field bound to one JSON Pointer in manifest.json. It keeps what the admin is typing
 * while focused (answers from Rust arrive after each debounced edit and must not move the
 * caret), and follows the package otherwise (bump, JSON edits, icon fixes).
 */
export function PointerField({
  pointer,
  label,
  value,
  findings,
  onEdit,
  optional,
  multiline,
  hint,
  placeholder,
  ariaLabel,
  contentBefore,
  maxLength,
}: PointerFieldProps) {
  const [text, setText] = useState(value);
  const focused = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pending = useRef<string | null>(null);

  useEffect(() => {
    if (!focused.current) setText(value);
  }, [value]);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const flush = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (pending.current === null) return;
    const next = pending.current;
    pending.current = null;
    onEdit(pointer, optional && next === "" ? undefined : next);
  };

  const change = (next: string) => {
    setText(next);
    pending.current = next;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(flush, EDIT_DEBOUNCE_MS);
  };

  const mine = findingsAt(findings, pointer);
  // Characters as people count them (an emoji is one), like the schema's maxLength.
  const length = [...text].length;
  const tooLong = maxLength !== undefined && length > maxLength;
  // Every problem of this field at once: the live length check, then each finding.
  const problems = [
    ...(tooLong ? [{ key: "length", severity: "error", text: `Too long: ${length} characters, at most ${maxLength}.` }] : []),
    ...mine.map((f) => ({ key: `${f.code}${f.path}`, severity: f.severity, text: `${f.code}: ${f.message}` })),
  ];
  const state = problems.some((p) => p.severity === "error") ? "error" : problems.some((p) => p.severity === "warning") ? "warning" : "none";
  const counter = maxLength !== undefined ? `${length} / ${maxLength}` : null;
  const common = {
    value: text,
    placeholder,
    "data-pointer": pointer,
    "data-testid": `field-${pointer}`,
    "aria-label": ariaLabel,
    "aria-invalid": state === "error" ? true : undefined,
    onFocus: () => {
      focused.current = true;
    },
    onBlur: () => {
      focused.current = false;
      flush();
    },
  };
  return (
    <Field
      label={label}
      hint={
        counter || hint ? (
          <span data-testid={`counter-${pointer}`} data-length={length} data-over={tooLong ? "yes" : "no"}>
            {[hint, counter].filter(Boolean).join(" · ")}
          </span>
        ) : undefined
      }
      validationState={state}
      validationMessage={
        problems.length > 0 ? (
          <span data-testid={`problems-${pointer}`}>
            {problems.map((p, i) => (
              <span key={p.key} style={{ display: "block" }} data-index={i}>
                {p.text}
              </span>
            ))}
          </span>
        ) : undefined
      }
    >
      {multiline ? (
        <Textarea {...common} resize="vertical" rows={3} onChange={(_, d) => change(d.value)} />
      ) : (
        <Input {...common} contentBefore={contentBefore} onChange={(_, d) => change(d.value)} />
      )}
    </Field>
  );
}
