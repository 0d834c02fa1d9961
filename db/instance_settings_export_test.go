package db

import "context"

// Test hooks of instance_settings_test.go.

// ForgetIdentity drops the recorded settings, as in a database from before
// they were recorded.
func (d *DB) ForgetIdentity(ctx context.Context) error {
	_, err := d.w.NewDelete().Model((*InstanceSetting)(nil)).Where("1 = 1").Exec(ctx)
	return err
}
