package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// Admin commands of moderation reports: what local users and other servers
// reported, and marking a report as dealt with.

func reportCommands() []*command {
	return []*command{
		{name: "list", summary: "list open reports (--all: resolved ones too)", run: runReportList},
		{name: "resolve", summary: "mark a report as dealt with (kontor admin report resolve ID)", run: runReportResolve},
	}
}

// acctLabel names an account for admins: @user for local ones,
// @user@domain for remote ones.
func acctLabel(a *db.Account) string {
	if a == nil {
		return "-"
	}
	return "@" + a.Acct()
}

func runReportList(e *env, args []string) error {
	fs := newFlags(e, "admin report list", "kontor admin report list [--all]")
	all := fs.Bool("all", false, "include resolved reports")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("admin report list: unexpected argument %q", fs.Arg(0))
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.db.Reports(e.ctx, *all)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		if *all {
			fmt.Fprintln(e.stdout, "no reports")
		} else {
			fmt.Fprintln(e.stdout, "no open reports")
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	header := "ID\tCREATED\tREPORTER\tTARGET\tCATEGORY\tSTATUSES\t"
	if *all {
		header += "RESOLVED\t"
	}
	fmt.Fprintln(tw, header+"COMMENT")
	for _, r := range list {
		statuses := "-"
		if len(r.StatusIDs) > 0 {
			ids := make([]string, 0, len(r.StatusIDs))
			for _, id := range r.StatusIDs {
				ids = append(ids, db.FormatID(id))
			}
			statuses = strings.Join(ids, ",")
		}
		reporter := acctLabel(r.Account)
		if r.Account != nil && !r.Account.Local() {
			reporter += " (remote)"
		}
		line := fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s\t", r.ID, r.CreatedAt.Format("2006-01-02 15:04"), reporter,
			acctLabel(r.TargetAccount), r.Category, statuses)
		if *all {
			resolved := "-"
			if r.ActionTakenAt != nil {
				resolved = r.ActionTakenAt.Format("2006-01-02 15:04")
			}
			line += resolved + "\t"
		}
		fmt.Fprintln(tw, line+oneLine(r.Comment))
	}
	return tw.Flush()
}

// oneLine makes a comment fit a table row: line breaks and tabs become
// spaces; an empty one is "-".
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}

func runReportResolve(e *env, args []string) error {
	fs := newFlags(e, "admin report resolve", "kontor admin report resolve ID")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("admin report resolve: want exactly one report ID")
	}
	id, ok := db.ParseID(fs.Arg(0))
	if !ok {
		return usagef("admin report resolve: %q is not a report ID", fs.Arg(0))
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	before, err := s.db.ReportByID(e.ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("admin report resolve: no report %d", id)
	} else if err != nil {
		return err
	}
	if before.ActionTakenAt != nil {
		fmt.Fprintf(e.stdout, "report %d was already resolved on %s\n", id, before.ActionTakenAt.Format("2006-01-02 15:04"))
		return nil
	}
	// Through the engine, as the admin API: the audit log keeps it.
	if err := s.engine.ChangeReport(e.ctx, activitypub.Moderator{}, id, activitypub.ReportChange{Kind: activitypub.ReportResolve}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "resolved report %d about %s\n", id, acctLabel(before.TargetAccount))
	return nil
}
