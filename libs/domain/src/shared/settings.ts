/** Account settings (SPEC.md): every account carries every key. */
import { z } from 'zod';

export const Settings = z.object({
  allowOrdersWithoutInventory: z.boolean(),
  autoPoVendorLevel: z.boolean(),
  autoGrnThroughBackOrder: z.boolean(),
  orderApprovalRequired: z.boolean(),
  isB2bNew: z.boolean(),
  vendorPanelType: z.number().int().min(1).max(99),
});
export type Settings = z.infer<typeof Settings>;

export const SettingsPatch = Settings.partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const DEFAULT_SETTINGS: Settings = {
  allowOrdersWithoutInventory: false,
  autoPoVendorLevel: false,
  autoGrnThroughBackOrder: false,
  orderApprovalRequired: false,
  isB2bNew: false,
  vendorPanelType: 1,
};

/** The Advanced Vendor Panel. */
export const ADVANCED_VENDOR_PANEL = 2;

/** A vendor receives auto-created orders only with the new B2B flow and the Advanced Vendor Panel. */
export const vendorReceivesAutoOrders = (settings: Settings): boolean =>
  settings.isB2bNew && settings.vendorPanelType === ADVANCED_VENDOR_PANEL;
