import { useCallback, useEffect, useState } from "react";
import { ipc, type ApiError, type Depth, type DoctorReport } from "../ipc";

/** Runs the health check once on mount and on `run()`. The Overview asks `quick` (the same
 * cost whatever the cache holds, on every visit); Settings asks `thorough`. */
export function useDoctor(depth: Depth) {
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [running, setRunning] = useState(false);

  const run = useCallback(async () => {
    setRunning(true);
    try {
      setReport(await ipc.runDoctor(depth));
      setError(null);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setRunning(false);
    }
  }, [depth]);

  useEffect(() => {
    void run();
  }, [run]);

  return { report, error, running, run };
}
