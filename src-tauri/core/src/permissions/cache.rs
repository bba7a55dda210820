//! The last complete read of an app's grants, kept in SQLite so the Permissions page (and the
//! Overview) open from it with its age instead of re-reading every team on every visit. A new
//! read replaces the old one in one transaction; a cancelled or failed read leaves it alone.

use rusqlite::{params, Connection, OptionalExtension};

use super::granted::{
    ConsentType, DelegatedGrant, GrantedAppRole, GrantedPermissions, GrantedScope, RscGrant,
    RscReadFailure, RscTarget, RscTargetKind, ServicePrincipalInfo,
};
use super::PermissionError;
use crate::ids::EntraAppId;
use crate::store::{optional_id_column, Store, StoreError};

/// A cached inspection and how far it reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedInspection {
    pub granted: GrantedPermissions,
    /// RSC was read in every team (not only the ones named).
    pub all_teams: bool,
}

fn kind_str(kind: RscTargetKind) -> &'static str {
    match kind {
        RscTargetKind::Team => "team",
        RscTargetKind::Chat => "chat",
    }
}

fn kind_of(s: &str) -> Result<RscTargetKind, PermissionError> {
    match s {
        "team" => Ok(RscTargetKind::Team),
        "chat" => Ok(RscTargetKind::Chat),
        other => Err(PermissionError::Internal(format!(
            "cached RSC target kind {other:?}"
        ))),
    }
}

fn consent_str(c: ConsentType) -> &'static str {
    match c {
        ConsentType::AllPrincipals => "AllPrincipals",
        ConsentType::Principal => "Principal",
    }
}

fn sql(e: rusqlite::Error) -> PermissionError {
    PermissionError::Store(StoreError::from(e))
}

/// Replaces the cached read of `granted.app_id` (stored lowercase: Graph compares app ids
/// without regard to case).
pub fn save_inspection(
    store: &Store,
    granted: &GrantedPermissions,
    all_teams: bool,
) -> Result<(), PermissionError> {
    let conn = store.connection();
    let tx = conn.unchecked_transaction().map_err(sql)?;
    write(&tx, granted, all_teams).map_err(sql)?;
    tx.commit().map_err(sql)
}

fn write(conn: &Connection, g: &GrantedPermissions, all_teams: bool) -> rusqlite::Result<()> {
    let app = g.app_id.to_ascii_lowercase();
    conn.execute(
        "DELETE FROM permission_inspection WHERE app_id = ?1",
        [&app],
    )?;
    let warnings = serde_json::to_string(&g.warnings).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "INSERT INTO permission_inspection
            (app_id, sp_id, sp_name, delegated_read, rsc_all_teams, warnings, inspected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            app,
            g.service_principal.as_ref().map(|s| &s.id),
            g.service_principal.as_ref().map(|s| &s.display_name),
            g.delegated.is_some(),
            all_teams,
            warnings,
            g.inspected_at.to_rfc3339(),
        ],
    )?;
    for (i, r) in g.app_roles.iter().enumerate() {
        conn.execute(
            "INSERT INTO permission_app_role_grant (app_id, assignment_id, resource_id,
                resource_app_id, resource_name, app_role_id, name, display_name, resolved,
                created, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                app,
                r.assignment_id,
                r.resource_id,
                r.resource_app_id.as_deref(),
                r.resource_name,
                r.app_role_id,
                r.name,
                r.display_name,
                r.resolved,
                r.created,
                i as i64
            ],
        )?;
    }
    for (i, d) in g.delegated.iter().flatten().enumerate() {
        conn.execute(
            "INSERT INTO permission_delegated_grant (app_id, grant_id, resource_id,
                resource_app_id, resource_name, consent_type, principal_id, principal_name,
                position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                app,
                d.grant_id,
                d.resource_id,
                d.resource_app_id.as_deref(),
                d.resource_name,
                consent_str(d.consent_type),
                d.principal_id,
                d.principal_name,
                i as i64
            ],
        )?;
        for (j, s) in d.scopes.iter().enumerate() {
            conn.execute(
                "INSERT INTO permission_delegated_scope
                    (app_id, grant_id, position, name, display_name, known)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![app, d.grant_id, j as i64, s.name, s.display_name, s.known],
            )?;
        }
    }
    let targets = g
        .rsc_targets
        .iter()
        .map(|t| (t, None))
        .chain(g.rsc_failures.iter().map(|f| (&f.target, Some(&f.message))));
    for (i, (t, failure)) in targets.enumerate() {
        // A target listed twice (named and found in the listing) keeps its first row.
        conn.execute(
            "INSERT OR IGNORE INTO permission_rsc_target
                (app_id, kind, target_id, name, failure, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![app, kind_str(t.kind), t.id, t.name, failure, i as i64],
        )?;
    }
    for (i, r) in g.rsc.iter().enumerate() {
        conn.execute(
            "INSERT OR IGNORE INTO permission_rsc_grant
                (app_id, kind, target_id, grant_id, permission, permission_type, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                app,
                kind_str(r.target.kind),
                r.target.id,
                r.grant_id,
                r.permission,
                r.permission_type,
                i as i64
            ],
        )?;
    }
    Ok(())
}

/// The last complete read of `app_id`, if any; no network.
pub fn cached_inspection(
    store: &Store,
    app_id: &EntraAppId,
) -> Result<Option<CachedInspection>, PermissionError> {
    let conn = store.connection();
    let app = app_id.to_ascii_lowercase();
    let head = conn
        .query_row(
            "SELECT sp_id, sp_name, delegated_read, rsc_all_teams, warnings, inspected_at
             FROM permission_inspection WHERE app_id = ?1",
            [&app],
            |row| {
                Ok((
                    row.get::<_, Option<String>>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, bool>(2)?,
                    row.get::<_, bool>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                ))
            },
        )
        .optional()
        .map_err(sql)?;
    let Some((sp_id, sp_name, delegated_read, all_teams, warnings, at)) = head else {
        return Ok(None);
    };
    let inspected_at = chrono::DateTime::parse_from_rfc3339(&at)
        .map_err(|e| PermissionError::Internal(format!("cached inspection time {at:?}: {e}")))?
        .with_timezone(&chrono::Utc);
    let warnings: Vec<String> = serde_json::from_str(&warnings).unwrap_or_default();

    let mut stmt = conn
        .prepare(
            "SELECT assignment_id, resource_id, resource_app_id, resource_name, app_role_id, name,
                    display_name, resolved, created
             FROM permission_app_role_grant WHERE app_id = ?1 ORDER BY position",
        )
        .map_err(sql)?;
    let app_roles = stmt
        .query_map([&app], |row| {
            Ok(GrantedAppRole {
                assignment_id: row.get(0)?,
                resource_id: row.get(1)?,
                resource_app_id: optional_id_column(row, 2)?,
                resource_name: row.get(3)?,
                app_role_id: row.get(4)?,
                name: row.get(5)?,
                display_name: row.get(6)?,
                resolved: row.get(7)?,
                created: row.get(8)?,
            })
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;

    let delegated = if delegated_read {
        let mut stmt = conn
            .prepare(
                "SELECT grant_id, resource_id, resource_app_id, resource_name, consent_type,
                        principal_id, principal_name
                 FROM permission_delegated_grant WHERE app_id = ?1 ORDER BY position",
            )
            .map_err(sql)?;
        let heads = stmt
            .query_map([&app], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    optional_id_column::<EntraAppId, _>(row, 2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, Option<String>>(5)?,
                    row.get::<_, Option<String>>(6)?,
                ))
            })
            .map_err(sql)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql)?;
        let mut scopes_of = conn
            .prepare(
                "SELECT name, display_name, known FROM permission_delegated_scope
                 WHERE app_id = ?1 AND grant_id = ?2 ORDER BY position",
            )
            .map_err(sql)?;
        let mut out = Vec::with_capacity(heads.len());
        for (grant_id, resource_id, resource_app_id, resource_name, ct, pid, pname) in heads {
            let scopes = scopes_of
                .query_map(params![app, grant_id], |row| {
                    Ok(GrantedScope {
                        name: row.get(0)?,
                        display_name: row.get(1)?,
                        known: row.get(2)?,
                    })
                })
                .map_err(sql)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?;
            out.push(DelegatedGrant {
                grant_id,
                resource_id,
                resource_app_id,
                resource_name,
                consent_type: if ct == "Principal" {
                    ConsentType::Principal
                } else {
                    ConsentType::AllPrincipals
                },
                principal_id: pid,
                principal_name: pname,
                scopes,
            });
        }
        Some(out)
    } else {
        None
    };

    let mut stmt = conn
        .prepare(
            "SELECT kind, target_id, name, failure FROM permission_rsc_target
             WHERE app_id = ?1 ORDER BY position",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([&app], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let (mut rsc_targets, mut rsc_failures) = (Vec::new(), Vec::new());
    for (kind, id, name, failure) in rows {
        let target = RscTarget {
            kind: kind_of(&kind)?,
            id,
            name,
        };
        match failure {
            None => rsc_targets.push(target),
            Some(message) => rsc_failures.push(RscReadFailure { target, message }),
        }
    }
    let mut stmt = conn
        .prepare(
            "SELECT g.kind, g.target_id, t.name, g.grant_id, g.permission, g.permission_type
             FROM permission_rsc_grant g
             JOIN permission_rsc_target t
               ON t.app_id = g.app_id AND t.kind = g.kind AND t.target_id = g.target_id
             WHERE g.app_id = ?1 ORDER BY g.position",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([&app], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
            ))
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let mut rsc = Vec::with_capacity(rows.len());
    for (kind, id, name, grant_id, permission, permission_type) in rows {
        rsc.push(RscGrant {
            target: RscTarget {
                kind: kind_of(&kind)?,
                id,
                name,
            },
            grant_id,
            permission,
            permission_type,
        });
    }

    let service_principal = match (sp_id, sp_name) {
        (Some(id), Some(display_name)) => Some(ServicePrincipalInfo {
            id,
            app_id: app_id.clone(),
            display_name,
        }),
        _ => None,
    };
    Ok(Some(CachedInspection {
        granted: GrantedPermissions {
            app_id: app_id.clone(),
            service_principal,
            app_roles,
            delegated,
            rsc,
            rsc_targets,
            rsc_failures,
            warnings,
            inspected_at,
        },
        all_teams,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(id: &str) -> EntraAppId {
        EntraAppId::parse(id).expect("an Entra app id")
    }

    fn sample() -> GrantedPermissions {
        let team = RscTarget {
            kind: RscTargetKind::Team,
            id: "19:team-a".into(),
            name: Some("Sales".into()),
        };
        GrantedPermissions {
            app_id: app("D5A7C3E1-2F4B-4C6D-8E9F-0A1B2C3D4E5F"),
            service_principal: Some(ServicePrincipalInfo {
                id: "sp-1".into(),
                app_id: app("d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f"),
                display_name: "FlashDuty".into(),
            }),
            app_roles: vec![GrantedAppRole {
                assignment_id: "as-1".into(),
                resource_id: "graph-sp".into(),
                resource_app_id: Some(app(super::super::GRAPH_APP_ID)),
                resource_name: "Microsoft Graph".into(),
                app_role_id: "role-1".into(),
                name: "Group.Read.All".into(),
                display_name: Some("Read all groups".into()),
                resolved: true,
                created: Some("2026-11-01T10:00:00Z".into()),
            }],
            delegated: Some(vec![
                DelegatedGrant {
                    grant_id: "g-admin".into(),
                    resource_id: "graph-sp".into(),
                    resource_app_id: None,
                    resource_name: "Microsoft Graph".into(),
                    consent_type: ConsentType::AllPrincipals,
                    principal_id: None,
                    principal_name: None,
                    scopes: vec![
                        GrantedScope {
                            name: "User.Read".into(),
                            display_name: None,
                            known: true,
                        },
                        GrantedScope {
                            name: "offline_access".into(),
                            display_name: Some("Stay signed in".into()),
                            known: true,
                        },
                    ],
                },
                DelegatedGrant {
                    grant_id: "g-user".into(),
                    resource_id: "graph-sp".into(),
                    resource_app_id: None,
                    resource_name: "Microsoft Graph".into(),
                    consent_type: ConsentType::Principal,
                    principal_id: Some("u-1".into()),
                    principal_name: Some("adele@contoso.test".into()),
                    scopes: vec![GrantedScope {
                        name: "Mail.Read".into(),
                        display_name: None,
                        known: false,
                    }],
                },
            ]),
            rsc: vec![RscGrant {
                target: team.clone(),
                grant_id: "rsc-1".into(),
                permission: "ChannelMessage.Read.Group".into(),
                permission_type: "Application".into(),
            }],
            rsc_targets: vec![team],
            rsc_failures: vec![RscReadFailure {
                target: RscTarget {
                    kind: RscTargetKind::Team,
                    id: "19:archived".into(),
                    name: None,
                },
                message: "403: archived".into(),
            }],
            warnings: vec!["one warning".into()],
            // Whole seconds: RFC 3339 keeps them exactly.
            inspected_at: chrono::DateTime::parse_from_rfc3339("2026-12-06T09:00:00Z")
                .map(|t| t.with_timezone(&chrono::Utc))
                .expect("time"),
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open_in(dir.path()).expect("store");
        (dir, store)
    }

    #[test]
    fn a_saved_read_comes_back_whole_under_any_spelling_of_the_app_id() {
        let (_dir, store) = store();
        let granted = sample();
        save_inspection(&store, &granted, true).expect("save");
        let asked = app("d5a7c3e1-2f4b-4c6d-8e9f-0a1b2c3d4e5f ");
        let back = cached_inspection(&store, &asked)
            .expect("load")
            .expect("cached");
        assert!(back.all_teams);
        let mut expected = granted;
        expected.app_id = asked;
        assert_eq!(back.granted, expected);
    }

    #[test]
    fn a_cached_resource_app_id_of_the_wrong_shape_is_refused_not_shown() {
        let (_dir, store) = store();
        let granted = sample();
        save_inspection(&store, &granted, true).expect("save");
        store
            .connection()
            .execute(
                "UPDATE permission_app_role_grant SET resource_app_id = 'graph'",
                [],
            )
            .expect("spoil");
        let err = cached_inspection(&store, &granted.app_id).expect_err("refused");
        assert!(
            err.to_string().contains("is not a valid Entra app id"),
            "{err}"
        );
    }

    #[test]
    fn a_new_read_replaces_the_old_one_and_unknown_apps_have_none() {
        let (_dir, store) = store();
        save_inspection(&store, &sample(), true).expect("save");
        let mut fewer = sample();
        fewer.app_roles.clear();
        fewer.rsc.clear();
        fewer.rsc_targets.clear();
        fewer.delegated = None;
        save_inspection(&store, &fewer, false).expect("save again");
        let back = cached_inspection(&store, &fewer.app_id)
            .expect("load")
            .expect("cached");
        assert!(!back.all_teams);
        assert!(back.granted.app_roles.is_empty() && back.granted.rsc.is_empty());
        assert_eq!(
            back.granted.delegated, None,
            "unreadable grants stay unknown"
        );
        assert_eq!(back.granted.rsc_failures.len(), 1);
        // Children of the old read are gone, not orphaned.
        let orphans: i64 = store
            .connection()
            .query_row(
                "SELECT (SELECT COUNT(*) FROM permission_delegated_scope)
                      + (SELECT COUNT(*) FROM permission_app_role_grant)",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(orphans, 0);
        assert!(
            cached_inspection(&store, &app("00000000-0000-0000-0000-000000000001"))
                .expect("load")
                .is_none()
        );
    }

    #[test]
    fn an_app_nobody_consented_to_is_cached_as_such() {
        let (_dir, store) = store();
        let mut none = sample();
        none.service_principal = None;
        none.app_roles.clear();
        none.delegated = Some(Vec::new());
        save_inspection(&store, &none, false).expect("save");
        let back = cached_inspection(&store, &none.app_id)
            .expect("load")
            .expect("cached");
        assert_eq!(back.granted.service_principal, None);
    }
}
