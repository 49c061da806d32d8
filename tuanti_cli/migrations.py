"""Ordered, named schema migrations; each runs once and is recorded in ``migrations``."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE admin (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            id_number TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE roster (
            roster_id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            address TEXT NOT NULL,
            type TEXT,
            max_nat_days INTEGER NOT NULL,
            form_url TEXT,
            code_generation INTEGER NOT NULL DEFAULT 1,
            code_expiry TEXT NOT NULL DEFAULT '0',
            code_ttl_hours INTEGER,
            next_member_seq INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE TABLE member (
            id INTEGER PRIMARY KEY,
            roster_id TEXT NOT NULL REFERENCES roster(roster_id) ON DELETE CASCADE,
            member_no TEXT NOT NULL,
            name TEXT NOT NULL,
            id_number TEXT NOT NULL,
            phone TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            consent_at TEXT NOT NULL,
            consent_code TEXT,
            consent_channel TEXT NOT NULL,
            UNIQUE (roster_id, id_number),
            UNIQUE (roster_id, member_no)
        );
        CREATE TABLE run (
            run_id INTEGER PRIMARY KEY,
            roster_id TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            feed_hash TEXT NOT NULL,
            members_digest TEXT NOT NULL DEFAULT '',
            feed_rows INTEGER NOT NULL DEFAULT 0,
            bad_rows INTEGER NOT NULL DEFAULT 0,
            matched INTEGER NOT NULL DEFAULT 0,
            not_found INTEGER NOT NULL DEFAULT 0,
            name_mismatch INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE health (
            member_id INTEGER PRIMARY KEY REFERENCES member(id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            health_code TEXT NOT NULL,
            nat_sampled_at TEXT,
            nat_result TEXT,
            vaccination TEXT NOT NULL,
            vaccine_doses INTEGER,
            last_dose_date TEXT,
            compared_at TEXT NOT NULL,
            flags TEXT NOT NULL DEFAULT '',
            abnormal INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE health_history (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES member(id) ON DELETE CASCADE,
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            health_code TEXT NOT NULL,
            nat_sampled_at TEXT,
            nat_result TEXT,
            vaccination TEXT NOT NULL,
            vaccine_doses INTEGER,
            last_dose_date TEXT,
            compared_at TEXT NOT NULL,
            flags TEXT NOT NULL DEFAULT '',
            abnormal INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX history_by_member ON health_history(member_id, run_id);
        CREATE INDEX history_by_run ON health_history(run_id);
        CREATE INDEX history_by_time ON health_history(compared_at);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL,
            action TEXT NOT NULL,
            roster_id TEXT,
            detail TEXT NOT NULL DEFAULT ''
        );
        """,
    ),
    (
        # History gets one row per member per run (1.2 million after 30 days of 10,000
        # members). An index led by member_id put each run's rows on thousands of scattered
        # pages (≈0.25 s and 10–20 MB of WAL per refresh); without it every index grows at
        # its end. Without that index a foreign key to member would scan the whole table for
        # every member deleted, so erasure is explicit instead: enrollment.withdraw and
        # rosters.delete delete a member's history in the same transaction.
        "0002_history_appends_only",
        """
        CREATE TABLE health_history_new (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL,
            run_id INTEGER NOT NULL REFERENCES run(run_id),
            health_code TEXT NOT NULL,
            nat_sampled_at TEXT,
            nat_result TEXT,
            vaccination TEXT NOT NULL,
            vaccine_doses INTEGER,
            last_dose_date TEXT,
            compared_at TEXT NOT NULL,
            flags TEXT NOT NULL DEFAULT '',
            abnormal INTEGER NOT NULL DEFAULT 0
        );
        INSERT INTO health_history_new
            SELECT h.id, h.member_id, h.run_id, h.health_code, h.nat_sampled_at, h.nat_result,
                   h.vaccination, h.vaccine_doses, h.last_dose_date, h.compared_at, h.flags,
                   h.abnormal
            FROM health_history h JOIN member m ON m.id = h.member_id;
        DROP TABLE health_history;
        ALTER TABLE health_history_new RENAME TO health_history;
        CREATE INDEX history_by_run ON health_history(run_id);
        CREATE INDEX history_by_time ON health_history(compared_at);
        """,
    ),
    (
        # Several admins, each with a key slot in `<store>.keys` (tuanti_cli/keyslots.py).
        # Their personal data stays here, encrypted; the slot file holds only wrapped keys.
        # `public_key` is the authority for re-wrapping the data key: a slot file that names
        # another key for an admin is not trusted. The trigger gives a store created by
        # `init` (which writes `admin`) its A1 as well.
        "0003_admins",
        """
        CREATE TABLE admins (
            admin_no TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            name TEXT NOT NULL,
            phone TEXT NOT NULL,
            id_number TEXT NOT NULL,
            kind TEXT,
            kdf TEXT,
            public_key TEXT,
            added_at TEXT NOT NULL
        );
        INSERT INTO admins (admin_no, seq, name, phone, id_number, added_at)
            SELECT 'A1', 1, name, phone, id_number, created_at FROM admin WHERE id = 1;
        CREATE TRIGGER admin_is_a1 AFTER INSERT ON admin
        BEGIN
            INSERT OR IGNORE INTO admins (admin_no, seq, name, phone, id_number, added_at)
                VALUES ('A1', 1, new.name, new.phone, new.id_number, new.created_at);
        END;
        ALTER TABLE audit ADD COLUMN admin_no TEXT;
        """,
    ),
    (
        # Departments (部门, 班级, 所在企业 …) for the per-department summary; and history that
        # grows with changes, not with members × refreshes: a member's history row is a
        # change point, written when their health code, NAT sampling time or result,
        # vaccination (doses, last dose) or flags change. Existing history is collapsed to
        # its change points. With few writes, an index led by the member is affordable
        # again (0002 dropped it when every run appended a row per member).
        "0004_departments_and_change_points",
        """
        ALTER TABLE member ADD COLUMN department TEXT;
        CREATE INDEX member_by_department ON member(roster_id, department);
        DELETE FROM health_history WHERE id IN (
            SELECT id FROM (
                SELECT id,
                    health_code IS LAG(health_code) OVER w
                    AND nat_sampled_at IS LAG(nat_sampled_at) OVER w
                    AND nat_result IS LAG(nat_result) OVER w
                    AND vaccination IS LAG(vaccination) OVER w
                    AND vaccine_doses IS LAG(vaccine_doses) OVER w
                    AND last_dose_date IS LAG(last_dose_date) OVER w
                    AND flags IS LAG(flags) OVER w
                    AND LAG(id) OVER w IS NOT NULL AS same
                FROM health_history
                WINDOW w AS (PARTITION BY member_id ORDER BY run_id, id)
            ) WHERE same
        );
        CREATE INDEX history_by_member ON health_history(member_id, run_id);
        """,
    ),
    (
        # The report finds each member's change points in time order, and a member's first
        # comparison, by this index (one look-up each instead of reading every point); it
        # leads with the member as 0004's did, so erasing a member still uses it.
        "0005_history_by_member_and_time",
        """
        CREATE INDEX history_by_member_and_time
            ON health_history(member_id, compared_at, run_id);
        DROP INDEX history_by_member;
        """,
    ),
    (
        # The report keeps each closed day's counts (tuanti_cli/report_days.py), so that a
        # report reads what earlier ones counted instead of every change point again. A day's
        # counts depend on the change points compared by its end, the current members, their
        # departments and enrolment, and the roster's policy: each trigger forgets exactly
        # the days a write can change. No trigger on enrolment: a day is kept only once it
        # has ended by the real clock, and enrolments are stamped by the real clock, so one
        # comes after every kept day (a trigger per row would slow a million-row import).
        # A run records when it compared (--as-of), which is
        # also how the report tells that runs came in time order; earlier runs take it from
        # one of their change points (each carries its run's time; a run that wrote none
        # compared nothing the report reads).
        "0006_report_days",
        """
        ALTER TABLE run ADD COLUMN compared_at TEXT;
        UPDATE run SET compared_at = (
            SELECT h.compared_at FROM health_history h WHERE h.run_id = run.run_id LIMIT 1);
        CREATE TABLE report_day (
            roster_id TEXT NOT NULL REFERENCES roster(roster_id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            kind INTEGER NOT NULL,
            department TEXT NOT NULL,
            compared INTEGER NOT NULL,
            members INTEGER NOT NULL,
            green INTEGER NOT NULL,
            yellow INTEGER NOT NULL,
            red INTEGER NOT NULL,
            popup INTEGER NOT NULL,
            unknown INTEGER NOT NULL,
            nat_within_policy INTEGER NOT NULL,
            abnormal INTEGER NOT NULL,
            PRIMARY KEY (roster_id, day, kind, department)
        ) WITHOUT ROWID;
        CREATE TRIGGER report_day_after_run AFTER INSERT ON run BEGIN
            DELETE FROM report_day
            WHERE (new.roster_id IS NULL OR roster_id = new.roster_id)
              AND (new.compared_at IS NULL OR day >= substr(new.compared_at, 1, 10));
        END;
        CREATE TRIGGER report_day_after_member_change
        AFTER UPDATE OF roster_id, department, enrolled_at ON member
        WHEN old.roster_id IS NOT new.roster_id OR old.department IS NOT new.department
          OR old.enrolled_at IS NOT new.enrolled_at BEGIN
            DELETE FROM report_day WHERE roster_id IN (old.roster_id, new.roster_id);
        END;
        CREATE TRIGGER report_day_after_erasure AFTER DELETE ON member BEGIN
            DELETE FROM report_day WHERE roster_id = old.roster_id;
        END;
        CREATE TRIGGER report_day_after_policy AFTER UPDATE OF max_nat_days ON roster
        WHEN old.max_nat_days IS NOT new.max_nat_days BEGIN
            DELETE FROM report_day WHERE roster_id = new.roster_id;
        END;
        """,
    ),
    (
        # History without an index led by the member: a refresh in which most members change
        # wrote a point onto a different page of that index for each (about 10,000 pages,
        # each decrypted, re-encrypted and written to the WAL, for a roster of 10,000), where
        # the table and the other indexes only append. Each point links to the member's
        # previous one instead, and the member's health record to their latest: a member's
        # points are a chain walked back from it (erasure, a member's copy, a purge), and a
        # run's change points sit together in the index by run (copying, `changes`). Order
        # is the runs' order, as points are written.
        "0007_history_chain",
        """
        ALTER TABLE health_history ADD COLUMN previous_id INTEGER;
        ALTER TABLE health ADD COLUMN point_id INTEGER;
        UPDATE health_history SET previous_id = chain.previous FROM (
            SELECT id, lag(id) OVER (PARTITION BY member_id ORDER BY run_id, id) AS previous
            FROM health_history
        ) AS chain WHERE chain.id = health_history.id AND chain.previous IS NOT NULL;
        UPDATE health SET point_id = latest.id FROM (
            SELECT member_id, max(id) AS id FROM health_history
            WHERE id NOT IN (SELECT previous_id FROM health_history WHERE previous_id IS NOT NULL)
            GROUP BY member_id
        ) AS latest WHERE latest.member_id = health.member_id;
        DROP INDEX history_by_member_and_time;
        DROP INDEX history_by_run;
        CREATE INDEX history_by_run ON health_history(run_id, member_id);
        """,
    ),
    (
        # No query reads members by department through an index: the view and the summary
        # read a roster in member-number or storage order and test the department on the
        # way. The index 0004 made only cost every import: a million members in a thousand
        # departments took a thousand insertion points per chunk (≈3 s of a 15 s import).
        "0008_no_department_index",
        """
        DROP INDEX member_by_department;
        """,
    ),
]
