package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/kontor-social/kontor/activitypub"
)

func emojiCommands() []*command {
	return []*command{
		{name: "add", summary: "add a custom emoji (--shortcode NAME --file PATH [--category C]; PNG, GIF or WebP, at most 256 KB)", run: runEmojiAdd},
		{name: "list", summary: "list the custom emoji", run: runEmojiList},
		{name: "remove", summary: "remove a custom emoji (kontor admin emoji remove NAME)", run: runEmojiRemove},
	}
}

// runEmojiAdd is `kontor admin emoji add --shortcode NAME --file PATH
// [--category C]`.
func runEmojiAdd(e *env, args []string) error {
	fs := newFlags(e, "admin emoji add", "kontor admin emoji add --shortcode NAME --file PATH [--category C]")
	shortcode := fs.String("shortcode", "", "the name used as :NAME: (letters, digits, underscores; at least 2)")
	file := fs.String("file", "", "the image: PNG, GIF or WebP, at most 256 KB")
	category := fs.String("category", "", "the group apps show it under in their picker")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("admin emoji add: unexpected argument %q", fs.Arg(0))
	}
	if *shortcode == "" || *file == "" {
		return usagef("admin emoji add: --shortcode and --file are required")
	}
	f, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("admin emoji add: %w", err)
	}
	defer f.Close()
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	em, err := s.engine.AddLocalEmoji(e.ctx, s.media, activitypub.LocalEmoji{Shortcode: *shortcode, Category: *category, Image: f})
	var in *activitypub.InputError
	if errors.As(err, &in) {
		return fmt.Errorf("admin emoji add: %s %s", in.Field, in.Msg)
	}
	if err != nil {
		return fmt.Errorf("admin emoji add: %w", err)
	}
	fmt.Fprintf(e.stdout, "added :%s:\n", em.Shortcode)
	return nil
}

// runEmojiList is `kontor admin emoji list`: shortcode, category, image URL.
func runEmojiList(e *env, args []string) error {
	s, err := e.openAdminNoFlags("admin emoji list", args)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.db.LocalEmojis(e.ctx, true)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, em := range list {
		url, _ := s.engine.EmojiImageURL(em)
		fmt.Fprintf(tw, ":%s:\t%s\t%s\n", em.Shortcode, em.Category, url)
	}
	return tw.Flush()
}

// runEmojiRemove is `kontor admin emoji remove NAME`.
func runEmojiRemove(e *env, args []string) error {
	fs := newFlags(e, "admin emoji remove", "kontor admin emoji remove NAME")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("admin emoji remove: give one shortcode")
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	err = s.engine.RemoveLocalEmoji(e.ctx, s.media, fs.Arg(0))
	if errors.Is(err, activitypub.ErrNotFound) {
		return fmt.Errorf("admin emoji remove: no custom emoji named %q", fs.Arg(0))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed :%s:\n", fs.Arg(0))
	return nil
}
