import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { ipc, type ApiError, type SessionView } from "./ipc";

interface SessionContextValue {
  session: SessionView | null;
  error: ApiError | null;
  /** Replace the view with what a command returned, or re-read it. */
  update: (next?: SessionView) => Promise<void>;
}

const SessionContext = createContext<SessionContextValue>({
  session: null,
  error: null,
  update: async () => {},
});

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionView | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const update = useCallback(async (next?: SessionView) => {
    if (next) {
      setSession(next);
      return;
    }
    try {
      setSession(await ipc.getSession());
      setError(null);
    } catch (err) {
      setError(err as ApiError);
    }
  }, []);
  useEffect(() => {
    void update();
  }, [update]);
  return <SessionContext.Provider value={{ session, error, update }}>{children}</SessionContext.Provider>;
}

export const useSession = () => useContext(SessionContext);
